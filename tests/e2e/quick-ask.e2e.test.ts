/**
 * Quick ask end to end in Debian's Chromium: the built quick-ask page in the browser harness, on the same core (one
 * MQTT connection) as the main window's page, which is open in another tab where the test needs it.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { BUILT_RENDERER_DIR, startHarness, type Harness, type HarnessOptions } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium, watchPageErrors } from '../support/browser'
import { writeSettings } from '../support/test-core'
import { makePng } from '../fixtures/attachment-files'
import {
  focusedTestId,
  giveFile,
  openMainPage,
  openQuickAskPage,
  recordInvokes,
  type OpenedPage,
} from './harness-pages'
import { makeTempDir } from '../support/temp-dir'

const ALPHA = 'The answer is **forty-two**.\n\n- first\n- second'
const LONG = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ')
const HOSTILE =
  'Look: <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> [click](javascript:window.__pwned=3) end'

let browser: Browser
let openAi: FakeOpenAiServer

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({
    alpha: { kind: 'answer', deltas: splitIntoDeltas(ALPHA), intervalMs: 5 },
    beta: { kind: 'answer', deltas: splitIntoDeltas('Beta is not the default.'), intervalMs: 5 },
    slow: { kind: 'answer', deltas: splitIntoDeltas(LONG), intervalMs: 40 },
    hostile: { kind: 'answer', deltas: splitIntoDeltas(HOSTILE) },
    llava: { kind: 'answer', deltas: splitIntoDeltas('A small green square.') },
  })
})
afterAll(async () => {
  await browser?.close()
  await openAi?.close()
})

let harness: Harness
/** Started by this test, closed after it. */
let started: Harness[] = []
let pages: OpenedPage[] = []

/** A harness whose settings pick `modelIds` (the first is quick ask's default model). */
async function start(modelIds: string[], options: Omit<HarnessOptions, 'userDataDir'> = {}) {
  const userDataDir = await makeTempDir('e2e-quick')
  await writeSettings(userDataDir, modelIds, openAi.baseUrl)
  harness = await startHarness({ userDataDir, ...options })
  started.push(harness)
}

async function quickAsk(): Promise<Page> {
  const opened = await openQuickAskPage(browser, harness.url)
  pages.push(opened)
  return opened.page
}

async function mainWindow(): Promise<Page> {
  const opened = await openMainPage(browser, harness.url)
  pages.push(opened)
  return opened.page
}

async function ask(page: Page, question: string) {
  await page.getByTestId('quick-ask-input').fill(question)
  await page.getByTestId('quick-ask-input').press('Enter')
}

const answer = (page: Page) => page.getByTestId('quick-ask-answer')

afterEach(async () => {
  for (const { page } of pages) await page.close()
  const errors = pages.flatMap(({ errors }) => errors)
  pages = []
  for (const each of started) await each.close()
  started = []
  // Every page of every test: no CSP violation, no uncaught exception.
  expect(errors).toEqual([])
})

describe('quick ask in the browser harness', () => {
  it('takes pasted and dropped files as the main window does: chips, one prepared file each, sent with the question', async () => {
    await start(['llava', 'alpha'])
    const quick = await quickAsk()
    const png = await makePng(48, 32)
    await giveFile(quick, 'quick-ask-input', 'paste', {
      name: 'shot.png',
      type: 'image/png',
      base64: png.toString('base64'),
    })
    const notes = Buffer.from('line one\nline two\n')
    await giveFile(quick, 'quick-ask-input', 'drop', {
      name: 'notes.txt',
      type: 'text/plain',
      base64: notes.toString('base64'),
    })
    const composer = quick.locator('.quick-ask-form').getByTestId('attachment-chip')
    await expect
      .poll(() => composer.evaluateAll((chips) => chips.map((c) => c.getAttribute('data-status'))))
      .toEqual(['ok', 'ok'])
    expect(await composer.getByTestId('attachment-name').allTextContents()).toEqual([
      'Image: shot.png',
      'Text file: notes.txt',
    ])
    await expect.poll(() => composer.first().locator('img').getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/)
    // Removable before sending, by its own button.
    await composer.nth(1).getByTestId('attachment-remove').click()
    expect(await composer.count()).toBe(1)

    await ask(quick, 'What is in the shot?')
    await expect.poll(() => answer(quick).getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')
    expect(await composer.count()).toBe(0)
    const sent = openAi.requests.filter((r) => JSON.stringify(r.messages).includes('What is in the shot?'))
    expect(sent.map((r) => r.model)).toEqual(['llava'])
    expect((sent[0]!.messages as Array<{ content: unknown }>).at(-1)!.content).toEqual([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
      { type: 'text', text: 'What is in the shot?' },
    ])
    const shown = quick.locator('.quick-ask-content').getByTestId('attachment-name')
    expect(await shown.allTextContents()).toEqual(['Image: shot.png'])
    expect(await quick.getByTestId('quick-ask-withheld').count()).toBe(0)

    // A model that cannot read images still answers, and the window says what it did not get.
    await quick.getByTestId('quick-ask-model').selectOption('alpha')
    await giveFile(quick, 'quick-ask-input', 'paste', {
      name: 'shot.png',
      type: 'image/png',
      base64: png.toString('base64'),
    })
    await expect.poll(() => composer.getAttribute('data-status')).toBe('ok')
    await ask(quick, 'And you, alpha?')
    await expect.poll(() => answer(quick).getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')
    expect(await quick.getByTestId('quick-ask-withheld').innerText()).toBe(
      'Not given to this model: shot.png (it cannot read images)',
    )
    const toAlpha = openAi.requests.find((r) => JSON.stringify(r.messages).includes('And you, alpha?'))!
    expect((toAlpha.messages as Array<{ content: unknown }>).at(-1)!.content).toBe('And you, alpha?')
  })

  it('is built with the same strict Content-Security-Policy as the main window', async () => {
    const cspOf = async (page: string) =>
      /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(
        await readFile(join(BUILT_RENDERER_DIR, page), 'utf8'),
      )?.[1]
    const main = await cspOf('index.html')
    expect(main).toContain("default-src 'none'")
    expect(await cspOf('quick-ask.html')).toBe(main)
  })

  it('asks the default model with Enter and streams its answer as markdown; Open in StreamDesk shows it in the main window', async () => {
    await start(['alpha', 'beta'])
    const main = await mainWindow()
    const quick = await quickAsk()
    expect(await focusedTestId(quick)).toBe('quick-ask-input')
    // Landmarks: one main (the question and answer), as a screen reader's landmark list expects.
    expect(await quick.getByRole('main').count()).toBe(1)
    expect(await quick.getByTestId('quick-ask-input').getAttribute('placeholder')).toContain('alpha')

    await ask(quick, 'What is the answer?')
    await expect.poll(() => answer(quick).getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')
    expect(await answer(quick).locator('strong').textContent()).toBe('forty-two')
    expect(await answer(quick).locator('li').allTextContents()).toEqual(['first', 'second'])
    // Only the default model was asked.
    expect(
      openAi.requests.filter((r) => JSON.stringify(r.messages).includes('What is the answer?')).map((r) => r.model),
    ).toEqual(['alpha'])
    expect(await quick.getByTestId('quick-ask-stop').count()).toBe(0)

    // The exchange is already a conversation in history: the main window lists it and opens it.
    await expect.poll(() => main.getByTestId('conversation-title').allTextContents()).toEqual(['What is the answer?'])
    await quick.getByTestId('quick-ask-open-main').click()
    await expect.poll(() => main.getByTestId('exchange').count()).toBe(1)
    expect(await main.locator('.prompt-bubble').innerText()).toContain('What is the answer?')
    await expect.poll(() => main.getByTestId('column-alpha').getAttribute('data-status')).toBe('complete')
    await expect
      .poll(() => main.getByTestId('column-alpha').getByTestId('column-text').innerText())
      .toContain('forty-two')
    expect(await main.getByTestId('conversation-item').first().getAttribute('data-active')).toBe('true')

    // The answer can be copied; another model can be picked here without changing the main window's choice.
    expect(await answer(quick).getByTestId('column-copy').count()).toBe(1)
    await quick.getByTestId('quick-ask-model').selectOption('beta')
    expect(await focusedTestId(quick)).toBe('quick-ask-input')
    expect(await quick.getByTestId('quick-ask-input').getAttribute('placeholder')).toContain('beta')
    await ask(quick, 'And you, beta?')
    await expect.poll(() => answer(quick).getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')
    expect(
      openAi.requests.filter((r) => JSON.stringify(r.messages).includes('And you, beta?')).map((r) => r.model),
    ).toEqual(['beta'])
    expect(harness.core.settings.publicView().selectedModelIds).toEqual(['alpha', 'beta'])
    // The question stays in view above its answer.
    expect(await quick.locator('.quick-ask-question').evaluate((element) => getComputedStyle(element).position)).toBe(
      'sticky',
    )
  })

  it('Open in StreamDesk reaches a main window whose page does not listen yet: held until it says it is ready', async () => {
    await start(['alpha'])
    const quick = await quickAsk()
    await ask(quick, 'Open me in a new window')
    await expect.poll(() => answer(quick).getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')

    // A main window just created: its bridge is connected, but the app's script (which subscribes) has not run.
    const page = await browser.newPage()
    pages.push({ page, errors: watchPageErrors(page) })
    let releaseApp!: () => void
    const appHeld = new Promise<void>((release) => (releaseApp = release))
    await page.route(/\/assets\/index-[^/]*\.js$/, async (route) => {
      await appHeld
      await route.continue()
    })
    const loading = page.goto(harness.url)
    await expect.poll(() => harness.connectedPages()).toBe(2)

    const sent = new Promise((sent) => harness.core.events.on('app:open-conversation', sent))
    await quick.getByTestId('quick-ask-open-main').click()
    await sent
    releaseApp()
    await loading
    await expect.poll(() => page.getByTestId('exchange').count()).toBe(1)
    expect(await page.locator('.prompt-bubble').innerText()).toContain('Open me in a new window')
    expect(await page.getByTestId('conversation-item').first().getAttribute('data-active')).toBe('true')
  })

  it('Esc stops a streaming answer first, and then hides the window', async () => {
    await start(['slow'])
    const quick = await quickAsk()
    const invoked = await recordInvokes(quick)
    await ask(quick, 'Take your time')
    await expect.poll(() => answer(quick).innerText(), { timeout: 10_000 }).toMatch(/word3/)
    expect(await quick.getByTestId('quick-ask-stop').isVisible()).toBe(true)

    await quick.keyboard.press('Escape')
    await expect.poll(() => answer(quick).getAttribute('data-status'), { timeout: 10_000 }).toBe('stopped')
    const shown = (await answer(quick).getByTestId('column-text').innerText()).trim()
    expect(LONG.startsWith(shown) && shown.length < LONG.length).toBe(true)
    expect(await invoked()).toContain('chat:stop')
    expect(await invoked()).not.toContain('window:hide')

    // Nothing streams any more: Esc now hides the window (a no-op in the browser, so the call is what shows).
    await quick.keyboard.press('Escape')
    await expect.poll(invoked).toContain('window:hide')
    expect(await answer(quick).getAttribute('data-status')).toBe('stopped')
  })

  it('fills the input with the clipboard only once the user allowed it, on load and when shown', async () => {
    await start(['alpha'], { clipboardText: 'from the clipboard' })
    const main = await mainWindow()
    let quick = await quickAsk()
    const input = quick.getByTestId('quick-ask-input')
    // Off by default: shown, quick ask takes the focus (so the event was handled) but does not read the clipboard.
    await expect.poll(() => focusedTestId(quick)).toBe('quick-ask-input') // the first load's own "shown"
    const invoked = await recordInvokes(quick)
    await input.evaluate((el: HTMLTextAreaElement) => el.blur())
    expect(await focusedTestId(quick)).not.toBe('quick-ask-input')
    harness.core.events.emit('quick-ask:shown', undefined)
    await expect.poll(() => focusedTestId(quick)).toBe('quick-ask-input')
    expect(await input.inputValue()).toBe('')
    expect(await invoked()).not.toContain('clipboard:read-text')

    // Allowed in the main window's settings; quick ask learns it from `settings:changed`.
    await main.getByTestId('settings-button').click()
    await main.getByTestId('pref-prefill-clipboard').check()
    await expect
      .poll(
        async () =>
          (await harness.core.router.invoke('settings:get', [])) as { preferences: { prefillFromClipboard: boolean } },
      )
      .toMatchObject({ preferences: { prefillFromClipboard: true } })
    await input.fill('typed before')
    harness.core.events.emit('quick-ask:shown', undefined)
    await expect.poll(() => input.inputValue()).toBe('from the clipboard')
    // Selected, so typing replaces it; and focused.
    expect(await input.evaluate((el: HTMLTextAreaElement) => [el.selectionStart, el.selectionEnd])).toEqual([
      0,
      'from the clipboard'.length,
    ])
    expect(await focusedTestId(quick)).toBe('quick-ask-input')

    // A freshly loaded window counts as shown.
    await quick.close()
    pages = pages.filter((opened) => opened.page !== quick)
    quick = await quickAsk()
    await expect.poll(() => quick.getByTestId('quick-ask-input').inputValue()).toBe('from the clipboard')
  })

  it('renders a hostile answer inert: no raw HTML, no script links', async () => {
    await start(['hostile'])
    const quick = await quickAsk()
    await ask(quick, 'Be evil')
    await expect.poll(() => answer(quick).getAttribute('data-status'), { timeout: 10_000 }).toBe('complete')
    expect(await answer(quick).locator('img, script').count()).toBe(0)
    expect(await answer(quick).locator('a[href^="javascript"]').count()).toBe(0)
    expect(await answer(quick).innerText()).toContain('<img src=x onerror=')
    expect(await quick.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
  })
})
