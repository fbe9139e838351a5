/**
 * Adding a model in Settings, end to end in Chromium against the real core: a provider preset fills the address
 * and says whether a key is needed; "Discover models" lists what the server has (its `GET /v1/models`), and
 * picking one fills the model name; Save closes the form and checks the new model at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startHarness, type Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium } from '../support/browser'
import { writeSettings } from '../support/test-core'
import { makeTempDir } from '../support/temp-dir'
import { openMainPage, type OpenedPage } from './harness-pages'

let browser: Browser
let openAi: FakeOpenAiServer
let harness: Harness
let opened: OpenedPage

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({
    'qwen2.5:7b': { kind: 'answer', deltas: splitIntoDeltas('Qwen here.') },
    'llama3.2:latest': { kind: 'answer', deltas: splitIntoDeltas('Llama here.') },
  })
  const userDataDir = await makeTempDir('e2e-model-settings')
  await writeSettings(userDataDir, ['llama3.2:latest'], openAi.baseUrl)
  harness = await startHarness({ userDataDir })
})
afterAll(async () => {
  await browser?.close()
  await harness?.close()
  await openAi?.close()
})

describe('adding a model in Settings', () => {
  it('starts from a preset, picks the model from the server, and checks it on Save', async () => {
    opened = await openMainPage(browser, harness.url)
    const { page, errors } = opened
    await page.getByTestId('settings-button').click()
    await page.getByTestId('model-add').click()

    // A preset fills the API root and says whether a key is needed.
    await page.getByTestId('model-edit-provider').selectOption('groq')
    expect(await page.getByTestId('model-edit-base-url').inputValue()).toBe('https://api.groq.com/openai/v1')
    expect(await page.getByTestId('model-edit-provider-hint').innerText()).toMatch(/Needs an API key/)
    await page.getByTestId('model-edit-provider').selectOption('ollama')
    expect(await page.getByTestId('model-edit-provider-hint').innerText()).toMatch(/no key needed/)
    // Typing an address of no preset shows "Other".
    await page.getByTestId('model-edit-base-url').fill(openAi.baseUrl)
    expect(await page.getByTestId('model-edit-provider').inputValue()).toBe('')

    await page.getByTestId('model-edit-discover').click()
    const discovered = page.getByTestId('model-edit-discovered')
    await expect.poll(() => discovered.count()).toBe(1)
    const offered = await discovered.locator('option').allTextContents()
    expect(offered.slice(1)).toEqual(['llama3.2:latest', 'qwen2.5:7b'])
    await discovered.selectOption('qwen2.5:7b')
    expect(await page.getByTestId('model-edit-model').inputValue()).toBe('qwen2.5:7b')

    await page.getByTestId('model-save').click()
    // The form closes; the new model's row shows its check.
    await expect.poll(() => page.getByTestId('model-edit-model').count()).toBe(0)
    const saved = harness.core.settings.publicView().models.find((model) => model.model === 'qwen2.5:7b')!
    await expect.poll(() => page.getByTestId(`check-result-${saved.id}`).getAttribute('data-reachable')).toBe('true')
    expect(errors).toEqual([])
  })

  it('says why when the server cannot be asked', async () => {
    const { page } = opened
    await page.getByTestId('model-add').click()
    await page.getByTestId('model-edit-base-url').fill('http://127.0.0.1:9/v1')
    await page.getByTestId('model-edit-discover').click()
    await expect.poll(() => page.getByTestId('model-edit-discover-error').count(), { timeout: 15_000 }).toBe(1)
    expect(await page.getByTestId('model-edit-discover-error').innerText()).toMatch(/No model server answered/)
    await page.getByTestId('model-cancel').click()
    await expect.poll(() => page.getByTestId('model-edit-model').count()).toBe(0)
  })
})
