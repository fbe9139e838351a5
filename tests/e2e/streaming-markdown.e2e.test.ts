/**
 * Streaming as a user watches it (issue 16): no raw markdown flashes before the text that completes it arrives (an
 * open `**`, a table's header row before its delimiter row), table cells wrap between words, not inside them, with
 * two answers side by side at 1280×800; the composer keeps its height when "Stop all" comes and goes; "Jump to
 * latest" shows only when something is below the view. Every state the answer's DOM passes through is recorded
 * by a MutationObserver, so a flash of one frame is caught whatever the machine's speed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium } from '../support/browser'
import { answerColumn, openApp, untilComplete } from './harness-pages'

const ANSWER = [
  'For a **durable** store, the **short list**:\n\n',
  '| Name | Kind |\n| --- | --- |\n',
  '| SQLite | Embeddable relational database engine, used in browsers, phones and desktop applications |\n',
  '| DuckDB | Embeddable analytical database with columnar storage and vectorized execution |\n\n',
  'Both are *small* and ~~heavy~~ light.\n',
].join('')
const MODELS = ['writer', 'second']
const BRIEF = 'A short answer about zanzibar, streamed slowly.'
const BRIEF_MODELS = ['brief', 'brief-second-model', 'brief-third-model', 'brief-fourth-model']
const VIEWPORT = { width: 1280, height: 800 }
/** The narrow window, where four model chips, Attach, Stop all and Send share the composer's row. */
const NARROW = { width: 900, height: 700 }

let browser: Browser
let openAi: FakeOpenAiServer
let harness: Harness | undefined
let page: Page | undefined

beforeAll(async () => {
  browser = await launchChromium()
  const script = { kind: 'answer' as const, deltas: splitIntoDeltas(ANSWER, 3), intervalMs: 15 }
  openAi = await startFakeOpenAiServer({
    ...Object.fromEntries(MODELS.map((id) => [id, script])),
    ...Object.fromEntries(
      BRIEF_MODELS.map((id) => [id, { kind: 'answer', deltas: splitIntoDeltas(BRIEF, 3), intervalMs: 100 }]),
    ),
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

async function openWith(modelIds: string[], viewport: { width: number; height: number }): Promise<Page> {
  const opened = await openApp(browser, { modelIds, baseUrl: openAi.baseUrl, page: { viewport } })
  ;({ page, harness } = opened)
  return opened.page
}

describe('while an answer streams', () => {
  it('never shows raw ** or a paragraph of pipes while streaming, and wraps table cells between words', async () => {
    page = await openWith(MODELS, VIEWPORT)
    await page.evaluate(() => {
      const seen = new Set<string>()
      ;(window as unknown as { __answerStates: Set<string> }).__answerStates = seen
      new MutationObserver(() => {
        for (const answer of Array.from(document.querySelectorAll('[data-testid^="column-"] .markdown'))) {
          seen.add(answer.textContent ?? '')
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    })
    await page.getByTestId('prompt-input').fill('Which embedded database?')
    await page.getByTestId('send-button').click()
    for (const id of MODELS) await untilComplete(page, id)

    const states = await page.evaluate(() => [...(window as unknown as { __answerStates: Set<string> }).__answerStates])
    expect(states.length, 'the answer was seen growing').toBeGreaterThan(20)
    expect(states.filter((text) => text.includes('*'))).toEqual([])
    expect(states.filter((text) => text.includes('~'))).toEqual([])
    expect(states.filter((text) => text.includes('|'))).toEqual([])

    const writer = answerColumn(page, 'writer')
    await expect.poll(() => writer.locator('.markdown strong').allTextContents()).toEqual(['durable', 'short list'])
    await expect.poll(() => writer.locator('.markdown th').allTextContents()).toEqual(['Name', 'Kind'])

    const splitWords = await writer.evaluate((column) => {
      const split: string[] = []
      for (const cell of Array.from(column.querySelectorAll('.markdown td'))) {
        const text = cell.firstChild
        if (!text || text.nodeType !== Node.TEXT_NODE) continue
        for (const match of (text.textContent ?? '').matchAll(/\S+/g)) {
          const range = document.createRange()
          range.setStart(text, match.index)
          range.setEnd(text, match.index + match[0].length)
          if (range.getClientRects().length > 1) split.push(match[0])
        }
      }
      return split
    })
    expect(splitWords, 'words broken inside table cells').toEqual([])
    const widths = await writer.evaluate((column) => ({
      column: column.getBoundingClientRect().right,
      table: column.querySelector('.markdown table')!.getBoundingClientRect().right,
    }))
    expect(widths.table, 'the table stays inside its column').toBeLessThanOrEqual(widths.column)
  })

  it('keeps the composer`s layout when Stop all comes and goes', async () => {
    const shown = await openWith(BRIEF_MODELS, NARROW)
    const composer = shown.locator('form').filter({ has: shown.getByTestId('prompt-input') })
    const layout = async () => ({
      height: (await composer.boundingBox())!.height,
      chips: (await composer.locator('.model-picker').boundingBox())!.width,
    })
    const idle = await layout()
    await shown.getByTestId('prompt-input').fill('Say something brief')
    await shown.getByTestId('send-button').click()
    await expect.poll(() => shown.getByTestId('stop-all-button').isVisible()).toBe(true)
    expect(await layout(), 'while Stop all shows').toEqual(idle)
    for (const id of BRIEF_MODELS) await untilComplete(shown, id)
    await expect.poll(() => shown.getByTestId('stop-all-button').isVisible()).toBe(false)
    expect(await layout(), 'once it is gone').toEqual(idle)
  })

  it('shows no Jump to latest when nothing is below the view', async () => {
    const shown = await openWith(['brief'], VIEWPORT)
    await shown.getByTestId('prompt-input').fill('Say something brief')
    await shown.getByTestId('send-button').click()
    await untilComplete(shown, 'brief')
    // Opening a search hit holds the view at it; in a conversation that fits the view nothing is below.
    await shown.getByTestId('history-search').fill('zanzibar')
    await expect.poll(() => shown.getByTestId('search-hit').count()).toBeGreaterThan(0)
    await shown.getByTestId('search-hit').first().click()
    await expect.poll(() => shown.getByTestId('exchange').count()).toBe(1)
    const below = await shown
      .locator('.conversation-scroll')
      .evaluate((element) => element.scrollHeight - element.scrollTop - element.clientHeight)
    expect(below, 'the conversation fits the view').toBeLessThanOrEqual(8)
    expect(await shown.getByTestId('jump-to-latest').count()).toBe(0)
  })
})
