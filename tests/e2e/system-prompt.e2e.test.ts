/**
 * The system prompt and generation parameters end to end in Chromium: set in the UI (or in Settings through the
 * core's own IPC), they reach the scripted OpenAI-compatible server's recorded requests.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { type Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium } from '../support/browser'
import { openApp, untilComplete } from './harness-pages'

let browser: Browser
let openAi: FakeOpenAiServer
let harness: Harness
let page: Page
let pageErrors: string[]

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({
    alpha: { kind: 'answer', deltas: splitIntoDeltas('Alpha says hi.'), intervalMs: 5 },
    beta: { kind: 'answer', deltas: splitIntoDeltas('Beta says hi.'), intervalMs: 5 },
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
  ;({ page, errors: pageErrors, harness } = await openApp(browser, { modelIds, baseUrl: openAi.baseUrl }))
}

async function askAndWait(prompt: string, modelIds: string[]) {
  await page.getByTestId('prompt-input').fill(prompt)
  await page.getByTestId('send-button').click()
  for (const id of modelIds) await untilComplete(page, id)
}

/** The messages each model was sent for the prompt, by model. */
const sentFor = (prompt: string) =>
  Object.fromEntries(
    openAi.requests.filter((r) => JSON.stringify(r.messages).includes(prompt)).map((r) => [r.model, r.messages]),
  )

describe('system prompt and parameters', () => {
  it('sends the system prompt typed in the chat view first to every model, on every turn', async () => {
    await open(['alpha', 'beta'])
    // Keyboard only: focus the control, open it with Enter, type.
    await page.getByTestId('system-prompt-toggle').focus()
    await page.keyboard.press('Enter')
    expect(await page.getByTestId('system-prompt-toggle').getAttribute('aria-expanded')).toBe('true')
    await page.getByTestId('system-prompt-input').pressSequentially('Answer like a pirate.')
    await askAndWait('First question 1a2b', ['alpha', 'beta'])
    const first = sentFor('First question 1a2b')
    for (const model of ['alpha', 'beta']) {
      expect(first[model]).toEqual([
        { role: 'system', content: 'Answer like a pirate.' },
        { role: 'user', content: 'First question 1a2b' },
      ])
    }
    await askAndWait('Follow-up 3c4d', ['alpha', 'beta'])
    expect((sentFor('Follow-up 3c4d').alpha as unknown[])[0]).toEqual({
      role: 'system',
      content: 'Answer like a pirate.',
    })
    expect(await page.getByTestId('system-prompt-toggle').innerText()).toBe('System prompt (set)')

    // Reopened from history, the conversation shows its system prompt again.
    await page.getByTestId('new-chat-button').click()
    expect(await page.getByTestId('system-prompt-toggle').innerText()).toBe('System prompt')
    await page.getByTestId('conversation-item').first().getByTestId('conversation-title').click()
    await expect.poll(() => page.getByTestId('system-prompt-toggle').innerText()).toBe('System prompt (set)')
    expect(pageErrors).toEqual([])
  })

  it("uses Settings' default system prompt and each model's parameters when the chat sets none", async () => {
    await open(['alpha', 'beta'])
    await harness.core.router.invoke('settings:set-system-prompt', ['Be brief.'])
    await harness.core.router.invoke('settings:set-parameters', [{ temperature: 0.25, maxOutputTokens: 300 }])
    await harness.core.router.invoke('settings:set-parameters', [{ topP: 0.5, reasoning: 'low' }, 'beta'])
    await askAndWait('Defaults 5e6f', ['alpha', 'beta'])
    const bodies = Object.fromEntries(
      openAi.requests
        .filter((r) => JSON.stringify(r.messages).includes('Defaults 5e6f'))
        .map((r) => [r.model, r.body as Record<string, unknown>]),
    )
    expect(bodies.alpha).toMatchObject({ temperature: 0.25, max_tokens: 300 })
    expect(bodies.alpha).not.toHaveProperty('top_p')
    expect(bodies.alpha).not.toHaveProperty('reasoning_effort')
    expect(bodies.beta).toMatchObject({ temperature: 0.25, max_tokens: 300, top_p: 0.5, reasoning_effort: 'low' })
    for (const model of ['alpha', 'beta'])
      expect((bodies[model]!.messages as unknown[])[0]).toEqual({ role: 'system', content: 'Be brief.' })
    // Out of range: refused with the reason, nothing changes.
    await expect(harness.core.router.invoke('settings:set-parameters', [{ temperature: 3 }])).rejects.toThrow(
      'Temperature must be a number from 0 to 2.',
    )
    expect(pageErrors).toEqual([])
  })

  it("sets a model's parameters in Settings: out of range is refused in the form, a good value reaches the request", async () => {
    await open(['alpha', 'beta'])
    await page.getByTestId('settings-button').click()
    const section = page.getByTestId('generation-section')
    await section.getByTestId('generation-target').selectOption('beta')
    await section.getByTestId('param-temperature').fill('3')
    await section.getByTestId('param-maxOutputTokens').fill('12.5')
    await section.getByTestId('generation-save').click()
    expect(await section.getByTestId('generation-problems').locator('li').allTextContents()).toEqual([
      'Temperature must be a number from 0 to 2.',
      'Max output tokens must be a whole number from 1 to 200,000.',
    ])
    expect(await harness.core.router.invoke('settings:get', [])).toMatchObject({ generation: { models: {} } })
    await section.getByTestId('param-temperature').fill('0.5')
    await section.getByTestId('param-maxOutputTokens').fill('')
    await section.getByTestId('param-reasoning').selectOption('high')
    await section.getByTestId('generation-save').click()
    await expect.poll(() => section.getByTestId('generation-saved').isVisible()).toBe(true)
    await page.keyboard.press('Escape')
    await askAndWait('Settings 7a8b', ['alpha', 'beta'])
    const bodies = Object.fromEntries(
      openAi.requests
        .filter((r) => JSON.stringify(r.messages).includes('Settings 7a8b'))
        .map((r) => [r.model, r.body as Record<string, unknown>]),
    )
    expect(bodies.beta).toMatchObject({ temperature: 0.5, reasoning_effort: 'high' })
    expect(bodies.beta).not.toHaveProperty('max_tokens')
    for (const absent of ['temperature', 'reasoning_effort']) expect(bodies.alpha).not.toHaveProperty(absent)
    expect(pageErrors).toEqual([])
  })
})
