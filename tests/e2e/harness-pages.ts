/**
 * Pages of the browser harness for the end-to-end tests: each opened in its own tab, its console errors collected
 * (CSP violations among them); the app opened as a user finds it (models in settings, connected); a model's column.
 */
import { expect } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startHarness, type Harness } from '../harness/harness-server'
import { watchPageErrors } from '../support/browser'
import { makeTempDir } from '../support/temp-dir'
import { writeSettings } from '../support/test-core'

type PageOptions = Parameters<Browser['newPage']>[0]

export interface OpenedPage {
  page: Page
  errors: string[]
}

export async function openPage(browser: Browser, url: string, options?: PageOptions): Promise<OpenedPage> {
  const page = await browser.newPage(options)
  const errors = watchPageErrors(page)
  await page.goto(url)
  return { page, errors }
}

/** Until the page's MQTT connection is up (after opening it, or a reload). */
export async function waitConnected(page: Page): Promise<void> {
  await expect
    .poll(() => page.getByTestId('connection-state').getAttribute('data-status'), { timeout: 15_000 })
    .toBe('connected')
}

/** The main window's page, once its MQTT connection is up. */
export async function openMainPage(browser: Browser, harnessUrl: string, options?: PageOptions): Promise<OpenedPage> {
  const opened = await openPage(browser, harnessUrl, options)
  await waitConnected(opened.page)
  return opened
}

export interface OpenedApp extends OpenedPage {
  harness: Harness
  userDataDir: string
}

/**
 * The app as a user finds it: a fresh user-data folder whose settings list `modelIds` at an OpenAI-compatible
 * server (`baseUrl`), the harness running the real core over it, and its main page, connected.
 */
export async function openApp(
  browser: Browser,
  { modelIds, baseUrl, page }: { modelIds: string[]; baseUrl: string; page?: PageOptions },
): Promise<OpenedApp> {
  const userDataDir = await makeTempDir('e2e')
  await writeSettings(userDataDir, modelIds, baseUrl)
  const harness = await startHarness({ userDataDir })
  return { ...(await openMainPage(browser, harness.url, page)), harness, userDataDir }
}

/** A model's column in the latest exchange. */
export const answerColumn = (page: Page, modelId: string) => page.getByTestId(`column-${modelId}`).last()

/** Until the model's column in the latest exchange has completed. */
export const untilComplete = (page: Page, modelId: string) =>
  expect.poll(() => answerColumn(page, modelId).getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')

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

/** Dispatches a paste (clipboard files) or a drop (dragged files) of one file on an element, as Chromium would. */
export async function giveFile(
  target: Page,
  testId: string,
  how: 'paste' | 'drop',
  file: { name: string; type: string; base64: string },
): Promise<void> {
  await target.getByTestId(testId).evaluate(
    (input, { how, file }) => {
      const bytes = Uint8Array.from(atob(file.base64), (char) => char.charCodeAt(0))
      const transfer = new DataTransfer()
      transfer.items.add(new File([bytes], file.name, { type: file.type }))
      const event =
        how === 'paste'
          ? new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true })
          : new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true })
      input.dispatchEvent(event)
    },
    { how, file },
  )
}
