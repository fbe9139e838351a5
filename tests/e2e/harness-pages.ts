/**
 * Pages of the browser harness for the end-to-end tests of quick ask, cloud mode and the keyboard: each opened in
 * its own tab, its console errors collected (CSP violations among them).
 */
import { expect } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { watchPageErrors } from '../support/browser'

export interface OpenedPage {
  page: Page
  errors: string[]
}

export async function openPage(browser: Browser, url: string): Promise<OpenedPage> {
  const page = await browser.newPage()
  const errors = watchPageErrors(page)
  await page.goto(url)
  return { page, errors }
}

/** The main window's page, once its MQTT connection is up. */
export async function openMainPage(browser: Browser, harnessUrl: string): Promise<OpenedPage> {
  const opened = await openPage(browser, harnessUrl)
  await expect
    .poll(() => opened.page.getByTestId('connection-state').getAttribute('data-status'), { timeout: 15_000 })
    .toBe('connected')
  return opened
}

/** The quick-ask window's page, once its settings have loaded (it names the default model). */
export async function openQuickAskPage(browser: Browser, harnessUrl: string): Promise<OpenedPage> {
  const opened = await openPage(browser, new URL('quick-ask.html', harnessUrl).href)
  await expect
    .poll(() => opened.page.getByTestId('quick-ask-input').getAttribute('placeholder'), { timeout: 15_000 })
    .not.toBe('')
  return opened
}

/** Records the channels the page invokes (wrapping the bridge the app calls through), for actions without a visible effect in a browser. */
export async function recordInvokes(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    type Recording = {
      streamdesk: { invoke: (channel: string, ...args: unknown[]) => Promise<unknown> }
      __invoked: string[]
    }
    const page = window as unknown as Recording
    const api = page.streamdesk
    const calls: string[] = (page.__invoked = [])
    const invoke = api.invoke.bind(api)
    api.invoke = (channel, ...args) => {
      calls.push(channel)
      return invoke(channel, ...args)
    }
  })
  return () => page.evaluate(() => (window as unknown as { __invoked: string[] }).__invoked)
}

/** The element that has the keyboard focus, by its test id. */
export function focusedTestId(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null)
}
