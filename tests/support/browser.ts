import { chromium, type Browser, type Page } from 'playwright-core'
import { findTool } from './test-tools'

/**
 * The machine's Chromium or Chrome (Debian's `chromium`, which `npm test` installs first where it can; CHROME_PATH
 * names another), headless, driven by playwright-core. Never a downloaded browser.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findTool('chromium')
  if (!executablePath) throw new Error('Chromium is not installed: `npm test` says how to install it')
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  })
}

/** Collects what a page reports as wrong: console errors (CSP violations among them) and uncaught exceptions. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  return errors
}
