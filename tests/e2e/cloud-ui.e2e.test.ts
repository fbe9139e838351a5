/**
 * Cloud mode's settings and sign-in gate end to end in Debian's Chromium, through the browser harness. No AWS is
 * reachable here, so signing in fails the way it does offline; the Cognito flows themselves are covered by the
 * main-process tests with SDK mocks.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startHarness, type Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium } from '../support/browser'
import { writeSettings } from '../support/test-core'
import { CLOUD_CONFIG } from '../unit/cloud/cloud-fixtures'
import { openMainPage, type OpenedPage } from './harness-pages'
import { makeTempDir } from '../support/temp-dir'

let browser: Browser
let openAi: FakeOpenAiServer

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({
    alpha: { kind: 'answer', deltas: splitIntoDeltas('Local answer.'), intervalMs: 5 },
  })
})
afterAll(async () => {
  await browser?.close()
  await openAi?.close()
})

let harness: Harness
let opened: OpenedPage
let page: Page

async function start() {
  const userDataDir = await makeTempDir('e2e-cloud')
  await writeSettings(userDataDir, ['alpha'], openAi.baseUrl)
  harness = await startHarness({ userDataDir })
  opened = await openMainPage(browser, harness.url)
  page = opened.page
}

afterEach(async () => {
  await page?.close()
  await harness?.close()
  expect(opened.errors).toEqual([])
})

const jsonFile = (content: string) => ({
  name: 'streamdesk-cloud-config.json',
  mimeType: 'application/json',
  buffer: Buffer.from(content),
})

async function setMode(mode: 'local' | 'cloud') {
  await page.getByTestId('settings-button').click()
  await page.getByTestId(`mode-${mode}`).check()
  await expect.poll(() => page.getByTestId('mode-badge').getAttribute('data-mode')).toBe(mode)
  await page.keyboard.press('Escape')
  await expect.poll(() => page.getByTestId('settings-panel').count()).toBe(0)
}

describe('cloud mode in the browser harness', () => {
  it('loads the cloud backend settings: a bad one is refused in plain words, a good one summarized', async () => {
    await start()
    await page.getByTestId('settings-button').click()
    // Cloud mode needs a backend first.
    expect(await page.getByTestId('mode-cloud').isDisabled()).toBe(true)
    expect(await page.getByTestId('cloud-config-summary').count()).toBe(0)

    await page.getByTestId('cloud-config-input').fill(JSON.stringify({ ...CLOUD_CONFIG, region: 'the moon' }))
    await page.getByTestId('cloud-config-save').click()
    const error = page.getByTestId('cloud-config-error')
    await expect.poll(() => error.innerText()).toMatch(/not a StreamDesk cloud configuration/)
    expect(await error.innerText()).toMatch(/region should be an AWS region such as us-east-1/)
    // Kept for fixing, not loaded.
    expect(await page.getByTestId('cloud-config-input').inputValue()).toContain('the moon')
    expect(await page.getByTestId('cloud-config-summary').count()).toBe(0)

    await page.getByTestId('cloud-config-file').setInputFiles(jsonFile('{ "version": 1, '))
    await expect.poll(() => error.innerText()).toMatch(/not JSON/)

    // The file as the stack writes it: the `terraform output -json` map.
    await page
      .getByTestId('cloud-config-file')
      .setInputFiles(jsonFile(JSON.stringify({ streamdesk_cloud_config: { value: CLOUD_CONFIG } })))
    const summary = page.getByTestId('cloud-config-summary')
    await expect.poll(() => summary.count()).toBe(1)
    expect(await summary.innerText()).toMatch(/us-east-1/)
    expect(await summary.innerText()).toMatch(/Claude, GPT/)
    expect(await error.count()).toBe(0)
    expect(await page.getByTestId('mode-cloud').isDisabled()).toBe(false)
    // Usage and limits come from the signed-in backend: in local mode the section says how to get them.
    const usage = page.getByTestId('cloud-usage-unavailable')
    await expect.poll(() => usage.count()).toBe(1)
    expect(await usage.innerText()).toBe('Sign in to cloud mode to see your usage.')
  })

  it('offers a reasoning effort only to cloud models that can reason, and shows each list price as the default', async () => {
    await start()
    const config = {
      ...CLOUD_CONFIG,
      models: [
        { id: 'claude', label: 'Claude', reasoning: true, price: { inputPerMillion: 3, outputPerMillion: 15 } },
        { id: 'gpt', label: 'GPT', reasoning: false },
      ],
    }
    await harness.core.router.invoke('settings:set-cloud-config', [JSON.stringify(config)])
    await setMode('cloud')
    await page.getByTestId('settings-button').click()
    const section = page.getByTestId('generation-section')
    await section.getByTestId('generation-target').selectOption('claude')
    await expect.poll(() => section.getByTestId('param-reasoning').count()).toBe(1)
    expect(await section.getByTestId('price-inputPerMillion').getAttribute('placeholder')).toBe('Default $3')
    expect(await section.getByTestId('price-outputPerMillion').getAttribute('placeholder')).toBe('Default $15')
    await section.getByTestId('generation-target').selectOption('gpt')
    await expect.poll(() => section.getByTestId('param-reasoning').count()).toBe(0)
    expect(await section.getByTestId('price-inputPerMillion').getAttribute('placeholder')).toBe('Not set')
    // "All models" keeps the choice: the defaults reach only the models that can reason.
    await section.getByTestId('generation-target').selectOption('')
    await expect.poll(() => section.getByTestId('param-reasoning').count()).toBe(1)
    expect(await section.getByTestId('price-form').count()).toBe(0)
  })

  it('keeps the proxy URL write-only: its host and Clear, never the URL nor its credentials', async () => {
    await start()
    await page.getByTestId('settings-button').click()
    await page.getByTestId('proxy-input').fill('socks5://proxy.example.com:1080')
    await page.getByTestId('proxy-save').click()
    await expect.poll(() => page.getByTestId('proxy-error').innerText()).toMatch(/HTTP or HTTPS proxy/)

    await page.getByTestId('proxy-input').fill('http://ada:s3cret-pw@proxy.example.com:8080')
    await page.getByTestId('proxy-save').click()
    await expect.poll(() => page.getByTestId('proxy-clear').count()).toBe(1)
    expect(await page.getByTestId('proxy-status').innerText()).toBe('Proxy: proxy.example.com:8080')
    expect(await page.content()).not.toContain('ada:')
    expect(await page.getByTestId('proxy-input').inputValue()).toBe('')
    expect(await page.content()).not.toContain('s3cret-pw')
    expect(await page.getByTestId('proxy-error').count()).toBe(0)

    await page.getByTestId('proxy-clear').click()
    await expect.poll(() => page.getByTestId('proxy-clear').count()).toBe(0)
  })

  it('gates the chat behind sign-in in cloud mode, says why signing in failed, and chats again in local mode', async () => {
    await start()
    await page.getByTestId('settings-button').click()
    await page.getByTestId('cloud-config-input').fill(JSON.stringify(CLOUD_CONFIG))
    await page.getByTestId('cloud-config-save').click()
    await expect.poll(() => page.getByTestId('cloud-config-summary').count()).toBe(1)
    await page.keyboard.press('Escape')
    expect(await page.getByTestId('mode-badge').innerText()).toBe('Local')

    await setMode('cloud')
    const screen = page.getByTestId('sign-in-screen')
    await expect.poll(() => screen.isVisible()).toBe(true)
    expect(await page.getByTestId('mode-badge').innerText()).toBe('Cloud')
    expect(await page.getByTestId('prompt-input').count()).toBe(0)
    expect(await page.getByTestId('signed-in-as').count()).toBe(0)

    // No AWS here: Cognito cannot be reached, and the form says so in plain words.
    await page.getByTestId('auth-email').fill('ada@example.com')
    await page.getByTestId('auth-password').fill('Corr3ct-Horse-Battery!')
    await page.getByTestId('auth-submit').click()
    // The password leaves the field as soon as it is sent.
    expect(await page.getByTestId('auth-password').inputValue()).toBe('')
    await expect
      .poll(() => page.getByTestId('auth-error').innerText(), { timeout: 45_000 })
      .toMatch(/Cannot reach Amazon Cognito/)
    expect(await page.getByTestId('auth-email').inputValue()).toBe('ada@example.com')
    expect(await page.content()).not.toContain('Corr3ct-Horse-Battery!')

    // The other ways in: sign up (password), forgot password (email only), and back.
    await page.getByTestId('auth-to-sign-up').click()
    expect(await page.getByTestId('auth-password').count()).toBe(1)
    expect(await page.getByTestId('auth-error').count()).toBe(0)
    await page.getByTestId('auth-to-sign-in').click()
    await page.getByTestId('auth-to-forgot').click()
    expect(await page.getByTestId('auth-password').count()).toBe(0)
    expect(await page.getByTestId('auth-email').inputValue()).toBe('ada@example.com')
    await page.getByTestId('auth-to-sign-in').click()
    expect(await page.getByTestId('auth-password').count()).toBe(1)

    await setMode('local')
    await expect.poll(() => page.getByTestId('sign-in-screen').count()).toBe(0)
    await expect
      .poll(() => page.getByTestId('connection-state').getAttribute('data-status'), { timeout: 15_000 })
      .toBe('connected')
    await page.getByTestId('prompt-input').fill('Still here?')
    await page.getByTestId('send-button').click()
    const column = page.getByTestId('column-alpha').last()
    await expect.poll(() => column.getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')
    await expect.poll(() => column.getByTestId('column-text').innerText()).toBe('Local answer.')
  })
})
