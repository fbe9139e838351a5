/**
 * Messages from the main process in the Japanese UI, end to end in Chromium through the browser harness over the
 * real core: main sends keys (src-main/shared/user-message.ts), the page words them in Japanese, and the server's
 * own text stays as the detail, verbatim. A model's 401, a model check that a server refused, and an attachment
 * main refused.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startHarness, type Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { makeExeBytes } from '../fixtures/attachment-files'
import { launchChromium, watchPageErrors } from '../support/browser'
import { writeSettings } from '../support/test-core'
import { makeTempDir } from '../support/temp-dir'
import { giveFile } from './harness-pages'

// The fake server's own words for a refused key (an OpenAI-style error body).
const SERVER_WORDS = 'Incorrect API key provided.'

let browser: Browser
let openAi: FakeOpenAiServer
let secured: FakeOpenAiServer
let harness: Harness | undefined
let page: Page
let pageErrors: string[]

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({
    alpha: { kind: 'answer', deltas: splitIntoDeltas('Alpha answers.') },
    locked: { kind: 'http-error', status: 401, body: { error: { message: SERVER_WORDS } } },
  })
  // A server that wants a key this app does not have: its model list answers 401 too.
  secured = await startFakeOpenAiServer({ keyed: { kind: 'answer', deltas: ['x'] } }, { apiKey: 'sk-right' })
})
afterAll(async () => {
  await browser?.close()
  await openAi?.close()
  await secured?.close()
})
afterEach(async () => {
  await page?.close()
  await harness?.close()
  harness = undefined
})

/** The window in Japanese, with these models of this server. */
async function openInJapanese(modelIds: string[], baseUrl: string) {
  const userDataDir = await makeTempDir('e2e-ja')
  await writeSettings(userDataDir, modelIds, baseUrl)
  harness = await startHarness({ userDataDir })
  await harness.core.router.invoke('settings:set-preferences', [{ language: 'ja' }])
  page = await browser.newPage()
  pageErrors = watchPageErrors(page)
  await page.goto(harness.url)
  await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('ja')
}

const column = (modelId: string) => page.getByTestId(`column-${modelId}`).last()

describe('messages from main in Japanese', () => {
  it('a model’s 401: a Japanese reason, the server’s own words as the detail', async () => {
    await openInJapanese(['locked', 'alpha'], openAi.baseUrl)
    await page.getByTestId('prompt-input').fill('こんにちは')
    await page.getByTestId('send-button').click()
    await expect.poll(() => column('locked').getAttribute('data-status'), { timeout: 15_000 }).toBe('error')
    const error = column('locked').getByTestId('column-error')
    expect(await error.getByTestId('column-error-reason').innerText()).toBe(
      'サーバーが要求を拒否しました。このモデルの API キーを確認してください。',
    )
    const detail = await error.getByTestId('message-detail').innerText()
    expect(detail).toMatch(/^詳細: unauthorized /)
    expect(detail).toContain(SERVER_WORDS)
    expect(pageErrors).toEqual([])
  })

  it('a model check the server refused: Japanese words and hint, the server’s own words as the detail', async () => {
    await openInJapanese(['keyed'], secured.baseUrl)
    const banner = page.getByTestId('endpoint-banner')
    await expect.poll(() => banner.count(), { timeout: 15_000 }).toBe(1)
    const line = banner.locator('li')
    expect(await line.innerText()).toContain(`keyed: ${secured.baseUrl} のサーバーが要求を拒否しました（HTTP 401）。`)
    expect((await line.getByTestId('message-detail').innerText()).trim()).toBe(`サーバーの応答: ${SERVER_WORDS}`)
    expect(await line.locator('.endpoint-hint').innerText()).toBe(
      'このサーバーには API キーが必要です。モデルの設定で追加してください。',
    )
    // The model chip's tooltip says it in Japanese too.
    const chip = page.locator('label.model-chip', { has: page.getByTestId('model-option-keyed') })
    expect(await chip.getAttribute('title')).toBe(`${secured.baseUrl} のサーバーが要求を拒否しました（HTTP 401）。`)
    expect(pageErrors).toEqual([])
  })

  it('an attachment main refused: Japanese words, the file’s own type as the detail', async () => {
    await openInJapanese(['alpha'], openAi.baseUrl)
    await giveFile(page, 'prompt-input', 'drop', {
      name: 'setup.png',
      type: 'image/png',
      base64: makeExeBytes().toString('base64'),
    })
    const toast = page.locator('[data-testid="toast"][data-level="error"]')
    await expect.poll(() => toast.count(), { timeout: 15_000 }).toBe(1)
    expect(await toast.innerText()).toContain(
      'このファイル（EXE）は添付できません。画像（PNG、JPEG、WebP、GIF）、PDF、テキストファイルを添付してください。 詳細: application/x-msdownload',
    )
    expect(await page.locator('.prompt-box').getByTestId('attachment-chip').count()).toBe(0)
    expect(pageErrors).toEqual([])
  })
})
