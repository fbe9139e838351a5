/**
 * Every column in view (issue 13, point 8): with 4 and 8 models at a 1280×800 window, each answer's header (its tab
 * in the exchange's sticky column strip) is on screen, also after scrolling down a long answer, and a tab brings its
 * column into view. Screenshots go to out/e2e-screenshots/ for a person to look at.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Locator, Page } from 'playwright-core'
import { type Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium } from '../support/browser'
import { openApp } from './harness-pages'

const VIEWPORT = { width: 1280, height: 800 }
const SCREENSHOTS = join(process.cwd(), 'out', 'e2e-screenshots')
const MODELS = Array.from({ length: 8 }, (_, i) => `model-${i + 1}`)
/** Long enough that the conversation is many screens tall. */
const answerOf = (modelId: string) =>
  Array.from({ length: 60 }, (_, i) => `Paragraph ${i} from ${modelId}: ${'words '.repeat(12)}`).join('\n\n')

let browser: Browser
let openAi: FakeOpenAiServer
let harness: Harness | undefined
let page: Page | undefined

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer(
    Object.fromEntries(
      MODELS.map((id) => [id, { kind: 'answer', deltas: splitIntoDeltas(answerOf(id), 40), intervalMs: 1 }]),
    ),
  )
  await mkdir(SCREENSHOTS, { recursive: true })
})
afterAll(async () => {
  await browser?.close()
  await openAi?.close()
})
afterEach(async () => {
  await page?.close()
  await harness?.close()
})

async function openWith(modelIds: string[]): Promise<{ page: Page; errors: string[] }> {
  const opened = await openApp(browser, { modelIds, baseUrl: openAi.baseUrl, page: { viewport: VIEWPORT } })
  ;({ page, harness } = opened)
  return opened
}

/** The element's box lies wholly inside the window. */
async function expectOnScreen(locator: Locator, what: string): Promise<void> {
  const box = await locator.boundingBox()
  expect(box, `${what} has no box`).not.toBeNull()
  const { x, y, width, height } = box!
  expect(width, `${what} has no width`).toBeGreaterThan(0)
  expect(x, `${what} starts left of the window`).toBeGreaterThanOrEqual(0)
  expect(y, `${what} starts above the window`).toBeGreaterThanOrEqual(0)
  expect(x + width, `${what} ends right of the window`).toBeLessThanOrEqual(VIEWPORT.width)
  expect(y + height, `${what} ends below the window`).toBeLessThanOrEqual(VIEWPORT.height)
}

describe.each([4, 8])('%i columns at 1280×800', (count) => {
  it("keeps every answer's header on screen and reaches each column from it", async () => {
    const modelIds = MODELS.slice(0, count)
    const { page, errors } = await openWith(modelIds)
    await page.getByTestId('prompt-input').fill('Write a long essay')
    await page.getByTestId('send-button').click()
    for (const id of modelIds) {
      await expect
        .poll(() => page.getByTestId(`column-${id}`).getAttribute('data-status'), { timeout: 30_000 })
        .toBe('complete')
    }
    const strip = page.getByTestId('column-strip')
    expect(await strip.locator('li').count()).toBe(count)

    // Read halfway down the answers: the strip stays at the top, with every tab in the window.
    const scroller = page.locator('.conversation-scroll')
    const { scrollHeight, clientHeight } = await scroller.evaluate((el) => ({
      scrollHeight: el.scrollHeight,
      clientHeight: el.clientHeight,
    }))
    expect(scrollHeight).toBeGreaterThan(clientHeight * 3)
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight / 2))
    for (const id of modelIds) {
      const tab = page.getByTestId(`column-tab-${id}`)
      await expectOnScreen(tab, `the tab of ${id}`)
      expect(await tab.getAttribute('data-status')).toBe('complete')
      expect(await tab.innerText()).toContain(id)
      // The model's name reads in full (not cut to an ellipsis).
      const label = tab.locator('.column-tab-label')
      expect(await label.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true)
    }
    await page.screenshot({ path: join(SCREENSHOTS, `compare-${count}-columns.png`) })
    // The dark theme keeps the same layout.
    await page.emulateMedia({ colorScheme: 'dark' })
    for (const id of modelIds) await expectOnScreen(page.getByTestId(`column-tab-${id}`), `the dark tab of ${id}`)
    await page.screenshot({ path: join(SCREENSHOTS, `compare-${count}-columns-dark.png`) })
    await page.emulateMedia({ colorScheme: 'light' })

    // The last column starts off screen to the right; its tab brings it (and its own header) into view.
    const last = page.getByTestId(`column-${modelIds.at(-1)}`)
    const lastHeader = last.locator('.column-header')
    expect((await lastHeader.boundingBox())!.x).toBeGreaterThanOrEqual(VIEWPORT.width)
    await page
      .getByTestId(`column-tab-${modelIds.at(-1)}`)
      .getByTestId('column-tab-show')
      .click()
    await expect
      .poll(async () => (await lastHeader.boundingBox())!.x + 1, { timeout: 5_000 })
      .toBeLessThan(VIEWPORT.width)
    await expect
      .poll(async () => {
        const box = (await lastHeader.boundingBox())!
        return box.x + box.width <= VIEWPORT.width
      })
      .toBe(true)
    expect(await last.evaluate((el) => el === document.activeElement)).toBe(true)

    // From the keyboard: the first tab's button, then Enter, brings the first column back.
    const first = page.getByTestId(`column-${modelIds[0]}`)
    await page.getByTestId(`column-tab-${modelIds[0]}`).getByTestId('column-tab-show').focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => first.evaluate((el) => el === document.activeElement)).toBe(true)
    await expect.poll(async () => (await first.locator('.column-header').boundingBox())!.x).toBeGreaterThanOrEqual(0)

    // Widen one column: it takes more room than the others, and the button says it is pressed.
    const widen = page.getByTestId(`column-tab-${modelIds[1]}`).getByTestId('column-tab-widen')
    const before = (await page.getByTestId(`column-${modelIds[1]}`).boundingBox())!.width
    await widen.click()
    expect(await widen.getAttribute('aria-pressed')).toBe('true')
    await expect
      .poll(async () => (await page.getByTestId(`column-${modelIds[1]}`).boundingBox())!.width)
      .toBeGreaterThan(before * 1.5)
    await page.screenshot({ path: join(SCREENSHOTS, `compare-${count}-columns-widened.png`) })
    expect(errors).toEqual([])
  })
})
