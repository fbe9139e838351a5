/**
 * Regenerate one column and copy an answer, end to end (issue 13, point 6): a regenerated answer goes to the model
 * with the turn's own prompt and context, the column header switches between the versions (‹ 1/2 ›, by keyboard),
 * both versions are there again after a reload, and "Copy as Markdown" copies the answer's markdown source. An
 * edited prompt is sent as a new branch after the edited turn's parent: ‹ 1/2 › on the prompt switches branches, a
 * follow-up continues the branch on screen, and a reopened conversation shows the newest branch.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { type Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium } from '../support/browser'
import { openApp, waitConnected, answerColumn, untilComplete } from './harness-pages'

const FIRST = 'Alpha one.'
const SECOND = 'Alpha **two**:\n\n- a list item\n- `code`'
const AGAIN = 'Alpha two, again.'

let browser: Browser
let openAi: FakeOpenAiServer
let harness: Harness | undefined
let page: Page
let errors: string[]

const answer = (text: string) => ({ kind: 'answer' as const, deltas: splitIntoDeltas(text), intervalMs: 5 })

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({ alpha: answer(FIRST), beta: answer('Beta answers.') })
})
afterAll(async () => {
  await browser?.close()
  await openAi?.close()
})
afterEach(async () => {
  await page?.close()
  await harness?.close()
})

async function ask(prompt: string) {
  await page.getByTestId('prompt-input').fill(prompt)
  await page.getByTestId('send-button').click()
}

const column = (modelId: string) => answerColumn(page, modelId)
const completed = (modelId: string) => untilComplete(page, modelId)
const textOf = (modelId: string) => column(modelId).getByTestId('column-text').innerText()
const position = (modelId: string) => column(modelId).getByTestId('version-position').innerText()

async function open(modelIds: string[]) {
  const pageOptions = { viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] }
  ;({ page, errors, harness } = await openApp(browser, { modelIds, baseUrl: openAi.baseUrl, page: pageOptions }))
}

/** Presses a control with the keyboard, as a user without a mouse would. */
async function press(testId: string, modelId: string) {
  await column(modelId).getByTestId(testId).focus()
  await page.keyboard.press('Enter')
}

describe('regenerating one column and copying an answer', () => {
  it('copies the markdown source, regenerates with the same context, switches versions, and keeps them', async () => {
    await open(['alpha', 'beta'])
    openAi.setScript('alpha', answer(FIRST))
    await ask('First question')
    await completed('alpha')
    await completed('beta')
    openAi.setScript('alpha', answer(SECOND))
    await ask('Second question')
    await expect.poll(() => page.getByTestId('exchange').count()).toBe(2)
    await completed('alpha')
    await completed('beta')

    // Copy as Markdown: the source, not the rendered text.
    await column('alpha').getByTestId('column-copy').click()
    // Shown for 1.5 s once the clipboard write resolves, which a loaded CI machine delayed past the default 1 s.
    await expect
      .poll(() => column('alpha').getByTestId('column-copy').innerText(), { timeout: 5_000, interval: 25 })
      .toBe('Copied')
    // Announced to a screen reader, which hears the button by its unchanged name.
    expect(await column('alpha').getByTestId('column-copy-announcement').textContent()).toBe("alpha's answer copied")
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(SECOND)

    // Regenerate alpha's second answer, by keyboard; beta is not asked again.
    openAi.setScript('alpha', answer(AGAIN))
    const asked = openAi.requests.length
    await press('column-regenerate', 'alpha')
    await expect.poll(() => position('alpha'), { timeout: 20_000 }).toBe('2/2')
    await completed('alpha')
    await expect.poll(async () => (await textOf('alpha')).trim()).toBe(AGAIN)
    expect(openAi.requests.slice(asked).map((request) => request.model)).toEqual(['alpha'])
    // The same prompt and the same context as the original turn.
    expect(openAi.requests.at(-1)!.messages).toEqual([
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: FIRST },
      { role: 'user', content: 'Second question' },
    ])
    expect(await column('beta').getByTestId('column-versions').count()).toBe(0)
    expect(await column('alpha').getByTestId('column-versions').getAttribute('aria-label')).toBe(
      "Versions of alpha's answer",
    )

    // ‹ back to the first version, › forward again.
    await press('version-previous', 'alpha')
    await expect.poll(() => position('alpha')).toBe('1/2')
    await expect.poll(() => textOf('alpha')).toContain('a list item')
    await press('version-next', 'alpha')
    await expect.poll(() => position('alpha')).toBe('2/2')
    await expect.poll(async () => (await textOf('alpha')).trim()).toBe(AGAIN)

    // After a reload, from history: both versions, the newest shown.
    await page.reload()
    await waitConnected(page)
    await page.getByTestId('conversation-item').first().getByTestId('conversation-title').click()
    await expect.poll(() => page.locator('[data-stored="true"]').count(), { timeout: 10_000 }).toBe(2)
    await expect.poll(() => position('alpha')).toBe('2/2')
    await expect.poll(async () => (await textOf('alpha')).trim()).toBe(AGAIN)
    await press('version-previous', 'alpha')
    await expect.poll(() => position('alpha')).toBe('1/2')
    await expect.poll(() => textOf('alpha')).toContain('a list item')
    expect(errors).toEqual([])
  })

  it('sends an edited prompt as a new branch, switches branches, follows the shown one, and reopens the newest', async () => {
    await open(['alpha'])
    openAi.setScript('alpha', answer('One.'))
    await ask('First question')
    await completed('alpha')
    openAi.setScript('alpha', answer('Two.'))
    await ask('Second question')
    await expect.poll(() => page.getByTestId('exchange').count()).toBe(2)
    await completed('alpha')

    // Edit the second prompt, by keyboard.
    openAi.setScript('alpha', answer('Two, edited.'))
    const second = page.getByTestId('exchange').nth(1)
    await second.getByTestId('prompt-edit').focus()
    await page.keyboard.press('Enter')
    await second.getByTestId('prompt-edit-input').fill('Second question, edited')
    await second.getByTestId('prompt-edit-send').focus()
    await page.keyboard.press('Enter')
    const branchPosition = () => page.getByTestId('exchange').nth(1).getByTestId('branch-position').innerText()
    const promptOf = (index: number) => page.getByTestId('exchange').nth(index).getByTestId('prompt-text').innerText()
    await expect.poll(branchPosition, { timeout: 20_000 }).toBe('2/2')
    await completed('alpha')
    expect(await page.getByTestId('exchange').count()).toBe(2)
    expect(await promptOf(1)).toContain('Second question, edited')
    await expect.poll(async () => (await textOf('alpha')).trim()).toBe('Two, edited.')
    // The edited prompt goes with the edited turn's context, without the branch it replaces.
    expect(openAi.requests.at(-1)!.messages).toEqual([
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: 'One.' },
      { role: 'user', content: 'Second question, edited' },
    ])

    // Back to the first branch: its prompt and answer.
    await page.getByTestId('branch-previous').focus()
    await page.keyboard.press('Enter')
    await expect.poll(branchPosition).toBe('1/2')
    expect(await promptOf(1)).not.toContain('edited')
    await expect.poll(async () => (await textOf('alpha')).trim()).toBe('Two.')

    // A follow-up continues the branch on screen.
    openAi.setScript('alpha', answer('Three.'))
    await ask('Third question')
    await expect.poll(() => page.getByTestId('exchange').count()).toBe(3)
    await completed('alpha')
    expect(openAi.requests.at(-1)!.messages).toEqual([
      { role: 'user', content: 'First question' },
      { role: 'assistant', content: 'One.' },
      { role: 'user', content: 'Second question' },
      { role: 'assistant', content: 'Two.' },
      { role: 'user', content: 'Third question' },
    ])

    // Reopened: the branch of the newest turn, and the way to the other one.
    await page.reload()
    await waitConnected(page)
    await page.getByTestId('conversation-item').first().getByTestId('conversation-title').click()
    await expect.poll(() => page.locator('[data-stored="true"]').count(), { timeout: 10_000 }).toBe(3)
    expect(await branchPosition()).toBe('1/2')
    expect(await promptOf(2)).toContain('Third question')
    await page.getByTestId('branch-next').click()
    await expect.poll(() => page.getByTestId('exchange').count()).toBe(2)
    expect(await promptOf(1)).toContain('Second question, edited')
    await expect.poll(async () => (await textOf('alpha')).trim()).toBe('Two, edited.')
    expect(errors).toEqual([])
  })
})
