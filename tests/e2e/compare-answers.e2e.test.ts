/**
 * The compare view's facts about each answer, end to end (issue 13): the Thinking section streams live, folds when
 * the answer starts and reopens folded from history; each stop reason in plain words; speed and token figures in
 * the footer and the fastest answer marked in the column strip. The scripted server sends DeepSeek-style
 * `reasoning_content` / Ollama-style `reasoning` deltas, `finish_reason`s and tool calls.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Locator, Page } from 'playwright-core'
import { type Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium } from '../support/browser'
import { openApp, waitConnected, answerColumn, untilComplete } from './harness-pages'

const REASONING = 'The user asks for 2 + 2. Adding two and two gives four. I should answer briefly.'
const ANSWER = 'The answer is **4**.'
const USAGE = { prompt_tokens: 21, completion_tokens: 64, reasoning_tokens: 40 }

let browser: Browser
let openAi: FakeOpenAiServer
let harness: Harness | undefined
let page: Page
let errors: string[]

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({
    // Thinks for about 3.5 s (some 90 deltas, every other one empty, 40 ms apart), then answers.
    thinker: {
      kind: 'answer',
      reasoningDeltas: splitIntoDeltas(REASONING, 2).flatMap((piece) => [piece, '']),
      deltas: splitIntoDeltas(ANSWER),
      intervalMs: 40,
      usage: USAGE,
    },
    ollama: {
      kind: 'answer',
      reasoningField: 'reasoning',
      reasoningDeltas: splitIntoDeltas('Short thought.'),
      deltas: splitIntoDeltas('Ollama says 4.'),
      intervalMs: 5,
      usage: { prompt_tokens: 20, completion_tokens: 10 },
    },
    cutoff: { kind: 'answer', deltas: splitIntoDeltas('This answer runs long and'), finishReason: 'length' },
    filtered: { kind: 'answer', deltas: [], finishReason: 'content_filter' },
    tooler: { kind: 'answer', deltas: [], toolCalls: [{ name: 'get_weather', arguments: '{"city":"Tokyo"}' }] },
    odd: { kind: 'answer', deltas: splitIntoDeltas('Partial.'), finishReason: 'recitation' },
    quick: {
      kind: 'answer',
      deltas: splitIntoDeltas('Quick reply with several words in it.'),
      firstDeltaDelayMs: 5,
      intervalMs: 5,
      usage: { prompt_tokens: 10, completion_tokens: 9 },
    },
    sluggish: {
      kind: 'answer',
      deltas: splitIntoDeltas('Slow reply with several words in it.'),
      firstDeltaDelayMs: 1200,
      intervalMs: 60,
      usage: { prompt_tokens: 10, completion_tokens: 9 },
    },
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

async function open(modelIds: string[]) {
  const pageOptions = { viewport: { width: 1280, height: 800 } }
  ;({ page, errors, harness } = await openApp(browser, { modelIds, baseUrl: openAi.baseUrl, page: pageOptions }))
}

async function ask(prompt: string) {
  await page.getByTestId('prompt-input').fill(prompt)
  await page.getByTestId('send-button').click()
}

const column = (modelId: string) => answerColumn(page, modelId)
const completed = (modelId: string) => untilComplete(page, modelId)

describe('the compare view with reasoning, stop reasons and metrics', () => {
  it('streams the thinking live, folds it when the answer starts, and reopens it folded from history', async () => {
    await open(['thinker', 'ollama'])
    await ask('What is 2 + 2?')
    const thinking = column('thinker').getByTestId('column-thinking')
    // While the model thinks: the section is open and grows, the answer is still empty.
    await expect.poll(() => thinking.getAttribute('data-thinking'), { timeout: 10_000 }).toBe('true')
    await expect.poll(() => thinking.getByTestId('thinking-text').innerText()).toContain('The user asks')
    expect(await column('thinker').getByTestId('column-text').innerText()).toBe('')
    expect(await thinking.getByTestId('thinking-toggle').getAttribute('aria-expanded')).toBe('true')

    await completed('thinker')
    await completed('ollama')
    // The answer started: the thinking folded, says how long it took, and never leaked into the answer.
    expect(await thinking.getAttribute('data-open')).toBe('false')
    expect(await thinking.getByTestId('thinking-text').count()).toBe(0)
    expect(await thinking.getByTestId('thinking-summary').innerText()).toMatch(/^Thought for [\d.]+ s$/)
    const answerText = await column('thinker').getByTestId('column-text').innerText()
    expect(answerText.trim()).toBe('The answer is 4.')
    expect(answerText).not.toContain('asks')
    // Opened with the keyboard, it shows the whole chain of thought.
    await thinking.getByTestId('thinking-toggle').focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => thinking.getByTestId('thinking-text').innerText()).toContain('I should answer briefly.')
    // Ollama's `reasoning` field is thinking too.
    expect(await column('ollama').getByTestId('column-thinking').count()).toBe(1)
    expect((await column('ollama').getByTestId('column-text').innerText()).trim()).toBe('Ollama says 4.')
    // Reasoning tokens are listed in the footer.
    const reasoningTokens = column('thinker').locator('[data-metric="reasoning"] dd')
    expect(await reasoningTokens.innerText()).toBe('40')

    // From history (after a reload, so nothing comes from this window's stream store): folded, and openable.
    await page.reload()
    await waitConnected(page)
    await page.getByTestId('conversation-item').first().getByTestId('conversation-title').click()
    const stored = page.locator('[data-stored="true"]').getByTestId('column-thinker').getByTestId('column-thinking')
    await expect.poll(() => stored.getAttribute('data-open'), { timeout: 10_000 }).toBe('false')
    expect(await stored.getByTestId('thinking-summary').innerText()).toMatch(/^Thought/)
    await stored.getByTestId('thinking-toggle').click()
    await expect.poll(() => stored.getByTestId('thinking-text').innerText()).toContain('Adding two and two gives four.')
    expect(errors).toEqual([])
  })

  it('says in plain words why each answer stopped', async () => {
    await open(['cutoff', 'filtered', 'tooler', 'odd'])
    await ask('Go')
    for (const id of ['cutoff', 'filtered', 'tooler', 'odd']) await completed(id)
    const reason = (id: string) => column(id).getByTestId('column-stop-reason').innerText({ timeout: 5_000 })
    expect(await reason('cutoff')).toBe('Cut off at the token limit')
    expect(await column('cutoff').getAttribute('data-stop-reason')).toBe('max-tokens')
    expect(await reason('filtered')).toBe("Blocked by the provider's content filter")
    expect(await reason('tooler')).toBe('The model asked to call a tool (get_weather) that StreamDesk does not run yet')
    expect(await column('tooler').getByText('No text.').count()).toBe(0)
    expect(await reason('odd')).toContain('recitation')
    // Only the answer cut at the token limit can be continued.
    const continueIn = (id: string) => column(id).getByTestId('column-continue-cut').count()
    await expect.poll(() => continueIn('cutoff')).toBe(1)
    for (const id of ['filtered', 'tooler', 'odd']) expect(await continueIn(id)).toBe(0)
    // A screen reader hears which model ended and why, not four times "Done" (a polite live region per column).
    const announced = (id: string) => column(id).getByTestId('column-announcement')
    await expect.poll(() => announced('cutoff').textContent()).toBe('cutoff: Done, Cut off at the token limit')
    expect(await announced('filtered').textContent()).toBe("filtered: Done, Blocked by the provider's content filter")
    expect(await announced('cutoff').getAttribute('aria-live')).toBe('polite')
    // The strip marks the answers that were cut short.
    expect(await page.getByTestId('column-tab-cutoff').getAttribute('data-cut-short')).toBe('true')
    expect(await page.getByTestId('column-tab-tooler').getAttribute('data-cut-short')).toBeNull()
    expect(errors).toEqual([])
  })

  it('shows speed and tokens per model, and marks the fastest in the strip', async () => {
    await open(['quick', 'sluggish'])
    await ask('Race')
    await completed('quick')
    await completed('sluggish')
    const metric = (id: string, key: string) => column(id).locator(`[data-metric="${key}"] dd`).innerText()
    expect(await metric('quick', 'input')).toBe('10')
    expect(await metric('quick', 'output')).toBe('9')
    expect(await metric('quick', 'cost')).toBe('—')
    expect(await metric('quick', 'firstToken')).toMatch(/^\d+ ms$/)
    expect(await metric('sluggish', 'firstToken')).toMatch(/^[\d.]+ s$/)
    expect(await metric('quick', 'speed')).toMatch(/tok\/s$/)
    expect(await metric('quick', 'duration')).not.toBe('—')
    const strip = page.getByTestId('column-strip')
    expect(await strip.getByTestId('fastest-first-token').count()).toBe(1)
    expect(await page.getByTestId('column-tab-quick').getByTestId('fastest-first-token').count()).toBe(1)
    expect(await strip.getByTestId('fastest-speed').count()).toBe(1)
    expect(errors).toEqual([])
  })

  it("estimates each answer's cost from the price set in Settings, marks the cheapest, and keeps that cost in history", async () => {
    await open(['sluggish', 'quick'])
    await page.getByTestId('settings-button').click()
    const section = page.getByTestId('generation-section')
    const setPrice = async (modelId: string, input: string, output: string) => {
      await section.getByTestId('generation-target').selectOption(modelId)
      await section.getByTestId('price-inputPerMillion').fill(input)
      await section.getByTestId('price-outputPerMillion').fill(output)
      await section.getByTestId('price-save').click()
    }
    // Out of range: refused in the form, nothing saved.
    await setPrice('quick', '-1', '4')
    await expect
      .poll(() => section.getByTestId('price-problems').locator('li').allTextContents())
      .toEqual(['Input price must be a number from 0 to 1,000.'])
    expect(await harness!.core.router.invoke('settings:get', [])).toMatchObject({ prices: {} })
    // Both answers use 10 input and 9 output tokens (the scripted usage).
    await setPrice('quick', '5', '10') // (10 × 5 + 9 × 10) / 1M = $0.00014
    await expect.poll(() => section.getByTestId('price-saved').isVisible()).toBe(true)
    await setPrice('sluggish', '100', '1000') // (10 × 100 + 9 × 1,000) / 1M = $0.01
    await expect.poll(() => section.getByTestId('price-saved').isVisible()).toBe(true)
    await page.keyboard.press('Escape')

    await ask('What does it cost?')
    await completed('quick')
    await completed('sluggish')
    const cost = (scope: Locator, id: string) =>
      scope.getByTestId(`column-${id}`).last().locator('[data-metric="cost"] dd').innerText()
    await expect.poll(() => cost(page.locator('body'), 'quick')).toBe('$0.0001')
    await expect.poll(() => cost(page.locator('body'), 'sluggish')).toBe('$0.0100')
    // The cheapest mark is on the right-hand column (quick), and only there.
    await expect.poll(() => page.getByTestId('column-tab-quick').getByTestId('cheapest').count()).toBe(1)
    expect(await page.getByTestId('column-strip').getByTestId('cheapest').count()).toBe(1)

    // A later price does not change what the answer cost: history keeps the cost at the prices of the day.
    await harness!.core.router.invoke('settings:set-price', [
      'quick',
      { inputPerMillion: 1000, outputPerMillion: 1000 },
    ])
    await page.reload()
    await waitConnected(page)
    await page.getByTestId('conversation-item').first().getByTestId('conversation-title').click()
    const stored = page.locator('[data-stored="true"]')
    await expect.poll(() => cost(stored, 'quick'), { timeout: 10_000 }).toBe('$0.0001')
    await expect.poll(() => cost(stored, 'sluggish')).toBe('$0.0100')
    await expect.poll(() => page.getByTestId('column-tab-quick').getByTestId('cheapest').count()).toBe(1)
    expect(errors).toEqual([])
  })
})
