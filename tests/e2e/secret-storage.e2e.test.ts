/**
 * Secrets in Settings, end to end in Chromium against the real core: without a keychain (Linux's basic_text) the
 * panel says so and keys stay in memory until the user chooses to store them unencrypted; a key is bound to its
 * server (a new origin needs it again) and goes over plain http:// to another computer only once confirmed.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startHarness, type Harness } from '../harness/harness-server'
import { launchChromium, watchPageErrors } from '../support/browser'
import { writeSettings } from '../support/test-core'
import { makeTempDir } from '../support/temp-dir'
import { unencryptedCodec } from '../../src-main/core/settings/secret-storage'

const KEY = 'sk-e2e-planted-9d41'

let browser: Browser
let harness: Harness
let page: Page
let pageErrors: string[]
let settingsFile: string

beforeAll(async () => {
  browser = await launchChromium()
  const userDataDir = await makeTempDir('e2e-secrets')
  settingsFile = join(userDataDir, 'settings.json')
  await writeSettings(userDataDir, ['alpha'])
  harness = await startHarness({ userDataDir, secrets: unencryptedCodec('basic-text') })
  page = await browser.newPage()
  pageErrors = watchPageErrors(page)
  await page.goto(harness.url)
}, 30_000)
afterAll(async () => {
  await page?.close()
  await harness?.close()
  await browser?.close()
})

const notice = () => page.getByTestId('secret-storage-notice')
const row = (label: string) => page.locator('[data-testid^="model-row-"]', { hasText: label })

async function addModel(label: string, baseUrl: string, apiKey: string) {
  await page.getByTestId('model-add').click()
  await page.getByTestId('model-edit-label').fill(label)
  await page.getByTestId('model-edit-base-url').fill(baseUrl)
  await page.getByTestId('model-edit-model').fill('gpt')
  await page.getByTestId('model-edit-key').fill(apiKey)
  await page.getByTestId('model-save').click()
}

describe('secret storage in Settings', () => {
  it('says plainly that basic_text is no encryption, keeps a key in memory, and stores it only by choice', async () => {
    await page.getByTestId('settings-button').click()
    await expect.poll(() => page.getByTestId('settings-panel').count()).toBe(1)
    await expect.poll(() => notice().innerText()).toMatch(/fixed password, which is not encryption/)
    expect(await notice().innerText()).toMatch(/kept in memory until StreamDesk quits/)
    await addModel('Remote', 'https://api.example.com/v1', KEY)
    await expect.poll(() => row('Remote').innerText()).toMatch(/key set/)
    await expect.poll(() => notice().innerText()).toMatch(/1 kept for this session only/)
    expect(await readFile(settingsFile, 'utf8')).not.toContain(KEY)

    await page.getByTestId('store-secrets-unencrypted').check()
    await expect.poll(() => notice().innerText()).toMatch(/1 stored unencrypted in the settings file/)
    expect(await readFile(settingsFile, 'utf8')).toContain(KEY)

    await page.getByTestId('store-secrets-unencrypted').uncheck()
    await expect.poll(() => notice().innerText()).toMatch(/1 kept for this session only/)
    expect(await readFile(settingsFile, 'utf8')).not.toContain(KEY)
  })

  it('asks for the key again when the address moves to another server, and says why', async () => {
    await row('Remote').getByRole('button', { name: 'Edit Remote' }).click()
    await page.getByTestId('model-edit-base-url').fill('https://elsewhere.example/v1')
    await expect
      .poll(() => page.getByTestId('model-edit-key-needed').innerText())
      .toMatch(/another server \(https:\/\/elsewhere\.example\): enter the API key again/)
    await page.getByTestId('model-save').click()
    await expect.poll(() => page.getByTestId('model-edit-key-needed').getAttribute('class')).toBe('field-error')
    expect(await row('Remote').innerText()).toContain('https://api.example.com/v1')
    expect(await readFile(settingsFile, 'utf8')).not.toContain('elsewhere.example')

    await page.getByTestId('model-edit-key').fill('sk-for-elsewhere')
    await page.getByTestId('model-save').click()
    await expect.poll(() => row('Remote').innerText()).toContain('https://elsewhere.example/v1')
  })

  it('sends a key over plain http to another computer only once confirmed', async () => {
    await addModel('Lan box', 'http://192.168.1.20:8000/v1', KEY)
    await expect.poll(() => page.getByTestId('model-edit-http-error').count()).toBe(1)
    expect(await page.getByTestId('model-edit-allow-http').isVisible()).toBe(true)
    expect(await row('Lan box').count()).toBe(0)

    await page.getByTestId('model-edit-allow-http').check()
    await page.getByTestId('model-save').click()
    await expect.poll(() => row('Lan box').innerText()).toMatch(/key set/)
    const saved = harness.core.settings.publicView().models.find((m) => m.label === 'Lan box')!
    expect(harness.core.settings.resolve(saved.id)).toMatchObject({ apiKey: KEY })

    // This computer over http needs no confirmation.
    await addModel('Local box', 'http://127.0.0.1:1234/v1', KEY)
    await expect.poll(() => row('Local box').innerText()).toMatch(/key set/)
    expect(pageErrors).toEqual([])
  })
})
