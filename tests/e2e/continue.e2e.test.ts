/**
 * "Continue" after an answer cut off at the token limit, end to end (issue 13, point 4): the column says why it
 * stopped and offers Continue; pressing it asks the same model with its cut answer as its own message, and the
 * column shows ONE answer, the earlier text followed by the rest as it streams; cut again, Continue comes back. The
 * cut answer stays as a version (‹ 1/2 ›), and the whole answer is there when the conversation is reopened, where
 * a cut version can be continued too.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { CONTINUE_INSTRUCTION } from '../../src-main/core/chat/continuation'
import { type Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium } from '../support/browser'
import { openApp, waitConnected, answerColumn, untilComplete } from './harness-pages'

const CUT = 'The first law: a robot may not'
const MORE = ' injure a human being or, through'
const REST = ' inaction, allow a human being to come to harm.'
const THOUGHT = 'Recalling Asimov.'

let browser: Browser
let openAi: FakeOpenAiServer
let harness: Harness | undefined
let page: Page
let errors: string[]

const answer = (text: string, finishReason: 'length' | 'stop', extra: { firstDeltaDelayMs?: number } = {}) => ({
  kind: 'answer' as const,
  deltas: splitIntoDeltas(text),
  intervalMs: 5,
  finishReason,
  ...extra,
})

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({ beta: answer('Beta answers in full.', 'stop') })
})
afterAll(async () => {
  await browser?.close()
  await openAi?.close()
})
afterEach(async () => {
  await page?.close()
  await harness?.close()
})

const column = (modelId: string) => answerColumn(page, modelId)
const statusOf = (modelId: string) => column(modelId).getAttribute('data-status')
const completed = (modelId: string) => untilComplete(page, modelId)
const textOf = async (modelId: string) => (await column(modelId).getByTestId('column-text').innerText()).trim()
const position = (modelId: string) => column(modelId).getByTestId('version-position').innerText()
const continueButton = (modelId: string) => column(modelId).getByTestId('column-continue-cut')
const stopReason = (modelId: string) => column(modelId).getByTestId('column-stop-reason')

describe('continuing an answer cut off at the token limit', () => {
  it('streams the rest after the earlier text, again when cut again, keeps the cut version and reopens whole', async () => {
    const pageOptions = { viewport: { width: 1280, height: 800 } }
    ;({ page, errors, harness } = await openApp(browser, {
      modelIds: ['alpha', 'beta'],
      baseUrl: openAi.baseUrl,
      page: pageOptions,
    }))

    openAi.setScript('alpha', { ...answer(CUT, 'length'), reasoningDeltas: splitIntoDeltas(THOUGHT) })
    await page.getByTestId('prompt-input').fill('What is the first law of robotics?')
    await page.getByTestId('send-button').click()
    await completed('alpha')
    await completed('beta')
    await expect.poll(() => stopReason('alpha').innerText()).toBe('Cut off at the token limit')
    await expect.poll(() => continueButton('alpha').count()).toBe(1)
    expect(await continueButton('alpha').getAttribute('aria-label')).toBe(
      "Continue alpha's answer from where it was cut off",
    )
    // An answer that ended by itself offers no Continue.
    expect(await continueButton('beta').count()).toBe(0)

    // Continue, by keyboard: the earlier text shows at once, and the rest streams after it (cut again here).
    openAi.setScript('alpha', answer(MORE, 'length', { firstDeltaDelayMs: 800 }))
    const asked = openAi.requests.length
    await continueButton('alpha').focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => position('alpha'), { timeout: 20_000 }).toBe('2/2')
    await expect.poll(async () => [await statusOf('alpha'), await textOf('alpha')]).toEqual(['streaming', CUT])
    await completed('alpha')
    await expect.poll(() => textOf('alpha')).toBe(CUT + MORE)
    // Only alpha was asked, with its cut answer as its own message and the instruction to go on.
    expect(openAi.requests.slice(asked).map((request) => request.model)).toEqual(['alpha'])
    expect(openAi.requests.at(-1)!.messages).toEqual([
      { role: 'user', content: 'What is the first law of robotics?' },
      { role: 'assistant', content: CUT },
      { role: 'user', content: CONTINUE_INSTRUCTION },
    ])
    // Cut again: Continue again, and it goes on from the whole answer so far.
    await expect.poll(() => stopReason('alpha').innerText()).toBe('Cut off at the token limit')
    openAi.setScript('alpha', answer(REST, 'stop'))
    await continueButton('alpha').click()
    await expect.poll(() => position('alpha'), { timeout: 20_000 }).toBe('3/3')
    await completed('alpha')
    await expect.poll(() => textOf('alpha')).toBe(CUT + MORE + REST)
    expect(openAi.requests.at(-1)!.messages.at(-2)).toEqual({ role: 'assistant', content: CUT + MORE })
    expect(await stopReason('alpha').count()).toBe(0)
    expect(await continueButton('alpha').count()).toBe(0)
    // The thinking of the cut answer stays with the whole one (how long it took is the cut answer's to tell).
    expect(await column('alpha').getByTestId('thinking-summary').innerText()).toBe('Thought')
    await column('alpha').getByTestId('thinking-toggle').click()
    await expect.poll(() => column('alpha').getByTestId('thinking-text').innerText()).toContain(THOUGHT)

    // The cut version is still there, with its message.
    await column('alpha').getByTestId('version-previous').click()
    await column('alpha').getByTestId('version-previous').click()
    await expect.poll(() => position('alpha')).toBe('1/3')
    await expect.poll(() => textOf('alpha')).toBe(CUT)
    await expect.poll(() => stopReason('alpha').innerText()).toBe('Cut off at the token limit')

    // Reopened from history: the whole answer shown, the cut versions behind it.
    await page.reload()
    await waitConnected(page)
    await page.getByTestId('conversation-item').first().getByTestId('conversation-title').click()
    await expect.poll(() => page.locator('[data-stored="true"]').count(), { timeout: 10_000 }).toBe(1)
    await expect.poll(() => position('alpha')).toBe('3/3')
    await expect.poll(() => textOf('alpha')).toBe(CUT + MORE + REST)
    await expect.poll(() => column('alpha').getByTestId('thinking-summary').innerText()).toBe('Thought')
    await column('alpha').getByTestId('version-previous').click()
    await expect.poll(() => position('alpha')).toBe('2/3')
    await expect.poll(() => textOf('alpha')).toBe(CUT + MORE)
    await expect.poll(() => continueButton('alpha').count()).toBe(1)
    // Continued from history: a fourth version, going on from the version shown.
    openAi.setScript('alpha', answer(' Second ending.', 'stop'))
    await continueButton('alpha').click()
    await expect.poll(() => position('alpha'), { timeout: 20_000 }).toBe('4/4')
    await completed('alpha')
    await expect.poll(() => textOf('alpha')).toBe(`${CUT}${MORE} Second ending.`)
    expect(openAi.requests.at(-1)!.messages.at(-2)).toEqual({ role: 'assistant', content: CUT + MORE })
    expect(errors).toEqual([])
  })
})
