/**
 * Hostile model output in Chromium through the real pipeline (issue 15, findings 1, 7 and 8's bidi item): image and
 * link URLs that must not reach the network or the file system, markdown built to stall the renderer or to hide
 * text behind nesting, and bidi controls in link text and code.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startHarness, type Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium, watchPageErrors } from '../support/browser'
import { writeSettings } from '../support/test-core'
import { makeTempDir } from '../support/temp-dir'
import { cutIntoPieces, hostileAnswers, showsAllOf } from '../unit/renderer/markdown-documents'

/** A 1×1 transparent PNG: the one image kind here that may be shown. */
const PIXEL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='
/** Each URL names itself, so a request for any of them shows in the request log. */
const HOSTILE_URLS = [
  '//attacker.invalid/share/protocol-relative.png',
  '../../../../etc/hostname',
  'relative-image.png',
  '/absolute-path-image.png',
  'http://attacker.invalid/plain-http.png',
  'file:///etc/hostname',
  'data:image/svg+xml;base64,PHN2Zy8+',
]
const IMAGES = `Images: ${HOSTILE_URLS.map((url, i) => `![image${i}](${url})`).join(' ')} ![pixel](${PIXEL})\n\n`
const LINKS = 'Links: [rel](relative-link.html) [proto](//attacker.invalid/link) [ok](https://example.invalid/ok)\n'
const BIDI =
  '[example.com/\u202Emoc.live](https://evil.invalid/) and `rm -rf \u2066/ \u2069`\n\n```sh\necho \u202Edone\n```\n'

const HOSTILE = hostileAnswers(300_000)
/** Several kinds of hostile markdown in one answer, each block separated so each can become final. */
const STALLING = [HOSTILE.unclosedParagraph, HOSTILE.deepQuote, HOSTILE.deepList, HOSTILE.unclosedList].join('\n\n')

let browser: Browser
let openAi: FakeOpenAiServer
let harness: Harness | undefined
let page: Page | undefined

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({
    urls: { kind: 'answer', deltas: splitIntoDeltas(IMAGES + LINKS + BIDI, 16), intervalMs: 2 },
    stalling: { kind: 'answer', deltas: cutIntoPieces(STALLING, [3_000, 1_100, 700]), intervalMs: 5 },
  })
})
afterAll(async () => {
  await browser?.close()
  await openAi?.close()
})
afterEach(async () => {
  await page?.close()
  await harness?.close()
})

async function answerIn(modelId: string) {
  const userDataDir = await makeTempDir('e2e-hostile')
  await writeSettings(userDataDir, [modelId], openAi.baseUrl)
  harness = await startHarness({ userDataDir })
  const opened = await browser.newPage()
  page = opened
  const requests: string[] = []
  opened.on('request', (request) => requests.push(request.url()))
  const pageErrors = watchPageErrors(opened)
  // Long tasks are what a frozen view is made of: recorded from the start.
  await opened.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] }
    w.__longTasks = []
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.__longTasks.push(entry.duration)
    }).observe({ type: 'longtask', buffered: true })
  })
  await opened.goto(harness.url)
  await expect
    .poll(() => opened.getByTestId('connection-state').getAttribute('data-status'), { timeout: 15_000 })
    .toBe('connected')
  const loaded = requests.length
  await opened.getByTestId('prompt-input').fill('Be hostile')
  await opened.getByTestId('send-button').click()
  const column = opened.getByTestId(`column-${modelId}`).last()
  await expect.poll(() => column.getAttribute('data-status'), { timeout: 60_000 }).toBe('complete')
  return {
    page: opened,
    text: column.getByTestId('column-text'),
    requestsSinceLoad: () => requests.slice(loaded),
    pageErrors,
  }
}

describe('hostile model output in the browser', () => {
  it('requests none of the hostile image or link URLs, shows them as text, and marks bidi controls', async () => {
    const { text, requestsSinceLoad, pageErrors } = await answerIn('urls')
    await expect.poll(() => text.textContent()).toContain('done')
    const requested = requestsSinceLoad()
    for (const name of ['attacker.invalid', 'hostname', 'relative-image', 'absolute-path-image', 'relative-link']) {
      expect(
        requested.filter((url) => url.includes(name)),
        name,
      ).toEqual([])
    }
    expect(requested.filter((url) => url.startsWith('file:'))).toEqual([])
    // The only image is the raster data: one; the http: image became a link to it; the rest is source text.
    expect(await text.locator('img').evaluateAll((images) => images.map((image) => image.getAttribute('src')))).toEqual(
      [PIXEL],
    )
    expect(await text.locator('a[href="http://attacker.invalid/plain-http.png"]').textContent()).toBe('image4')
    const shown = (await text.textContent()) ?? ''
    for (const url of [...HOSTILE_URLS.filter((url) => !url.startsWith('http:')), 'relative-link.html'])
      expect(shown).toContain(url)
    expect(await text.locator('a').evaluateAll((links) => links.map((link) => link.getAttribute('href')))).toEqual([
      'http://attacker.invalid/plain-http.png',
      'https://example.invalid/ok',
      'https://evil.invalid/',
    ])
    // Bidi controls show as markers in link text and code; none is left to reorder what is displayed.
    expect(await text.locator('a[href="https://evil.invalid/"]').textContent()).toBe('example.com/⟦U+202E⟧moc.live')
    expect(await text.locator('p code').textContent()).toBe('rm -rf ⟦U+2066⟧/ ⟦U+2069⟧')
    expect(await text.locator('pre code').textContent()).toContain('echo ⟦U+202E⟧done')
    expect(shown).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/)
    // And a link is a bidi isolate, so controls in the prose around it cannot reorder it either.
    expect(
      await text
        .locator('a')
        .first()
        .evaluate((link) => getComputedStyle(link).unicodeBidi),
    ).toBe('isolate')
    expect(pageErrors).toEqual([])
  })

  it('streams unclosed delimiters and too-deep nesting without a freeze, every word of the answer on screen', async () => {
    const { page, text, pageErrors } = await answerIn('stalling')
    await expect.poll(() => text.textContent(), { timeout: 30_000 }).toContain('after the list')
    const shown = (await text.textContent()) ?? ''
    expect(showsAllOf(shown, STALLING)).toBe(true)
    for (const tail of ['after the paragraph', 'after the quote', 'after the deep list', 'item119', 'q49'])
      expect(shown).toContain(tail)
    // Before the limit each frame re-rendered the whole unsealable tail: freezes of seconds (issue 15: 3.8-5.1 s
    // for ~0.9 MB). Now a frame renders at most 32 KiB of it; the bound leaves room for a busy CI machine.
    const longTasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks)
    expect(Math.max(0, ...longTasks)).toBeLessThan(1_500)
    expect(pageErrors).toEqual([])
  })
})
