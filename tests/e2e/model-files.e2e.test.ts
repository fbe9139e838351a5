/**
 * Local model files end to end in Debian's Chromium through the browser harness: the settings section lists the
 * models folder, adds a file (the harness stands in for the file dialog with a path), deletes one, downloads a
 * catalog model from a local server with a visible progress bar, and shows failures in plain words. The first-run
 * offer appears when no model server answers (the default Ollama models: nothing listens here).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startHarness, type Harness, type HarnessOptions } from '../harness/harness-server'
import { installedModelId } from '../../src-main/core/models/installed-models'
import { tinyGgufBytes } from '../fixtures/tiny-gguf'
import { MODEL_CATALOG, type CatalogModel } from '../../src-main/core/models/model-catalog'
import { fakeGgufBytes } from '../fixtures/fake-gguf-header'
import { startFileServer, type FileServer } from '../fixtures/file-server'
import { launchChromium } from '../support/browser'
import { freePort } from '../support/free-port'
import { openMainPage, type OpenedPage } from './harness-pages'
import { makeTempDir } from '../support/temp-dir'

let browser: Browser
let server: FileServer

beforeAll(async () => {
  browser = await launchChromium()
  server = await startFileServer(fakeGgufBytes({ name: 'Served Model', padding: 3_000_000 }))
})
afterAll(async () => {
  await browser?.close()
  await server?.close()
})

let harness: Harness
let opened: OpenedPage
let page: Page
let dir: string

const entry = (overrides: Partial<CatalogModel> = {}): CatalogModel => ({
  ...MODEL_CATALOG[0]!,
  id: 'served-model',
  label: 'Served Model',
  fileName: 'Served-Model-Q4_K_M.gguf',
  url: server.url,
  sizeBytes: server.body.length,
  sha256: server.sha256,
  ...overrides,
})

async function start(
  options: {
    catalog?: CatalogModel[]
    pickModelFile?: () => string | undefined
    embeddedModels?: HarnessOptions['embeddedModels']
  } = {},
) {
  dir = await makeTempDir('e2e-models')
  harness = await startHarness({
    userDataDir: join(dir, 'user-data'),
    modelCatalog: options.catalog ?? [entry()],
    ...(options.pickModelFile ? { pickModelFile: options.pickModelFile } : {}),
    ...(options.embeddedModels ? { embeddedModels: options.embeddedModels } : {}),
  })
  opened = await openMainPage(browser, harness.url)
  page = opened.page
}

/** The settings section (the first-run offer may show the same download too). */
const section = () => page.getByTestId('model-files')

async function openModelFiles() {
  await page.getByTestId('settings-button').click()
  await expect.poll(() => page.getByTestId('model-files').count()).toBe(1)
  await expect.poll(() => page.getByTestId('model-files-directory').innerText()).toBe(join(dir, 'user-data', 'models'))
}

afterEach(async () => {
  server.behaviour.trickle = undefined
  server.behaviour.status = undefined
  await page?.close()
  await harness?.close()
  expect(opened.errors).toEqual([])
})

describe('local model files in the browser harness', () => {
  it('adds a GGUF file from disk, lists it with size and quantization, and deletes it after a confirmation', async () => {
    let picked: string | undefined
    await start({ pickModelFile: () => picked })
    await openModelFiles()
    expect(await section().getByTestId('model-file-list').locator('li').count()).toBe(0)

    picked = join(dir, 'notes.txt')
    await writeFile(picked, 'not a model at all')
    await section().getByTestId('model-file-add').click()
    await expect
      .poll(() => section().getByTestId('model-file-add-error').innerText())
      .toMatch(/notes\.txt is not a GGUF model file/)

    picked = join(dir, 'My-Model.gguf')
    await writeFile(picked, fakeGgufBytes({ name: 'My Model', fileType: 15, padding: 1_500_000 }))
    await section().getByTestId('model-file-add').click()
    const row = section().getByTestId('model-file-My-Model.gguf')
    await expect.poll(() => row.count()).toBe(1)
    expect(await section().getByTestId('model-file-add-error').count()).toBe(0)
    expect(await row.getByTestId('model-file-quantization').innerText()).toBe('Q4_K_M')
    expect(await row.getByTestId('model-file-size').innerText()).toBe('1.5 MB')
    expect(await row.innerText()).toContain('My Model')
    // It is a model column now, picked with the others.
    const option = page.getByTestId(`model-option-${installedModelId('My-Model.gguf')}`)
    await expect.poll(() => option.count()).toBe(1)
    expect(await option.isChecked()).toBe(true)
    // In the models list it is an embedded model: its file, no server address, no key, nothing to edit.
    const modelRow = page.getByTestId(`model-row-${installedModelId('My-Model.gguf')}`)
    expect(await modelRow.innerText()).toMatch(/embedded model[\s\S]*My-Model\.gguf[\s\S]*runs inside StreamDesk/)
    expect(await modelRow.getByRole('button', { name: /edit/i }).count()).toBe(0)

    await section().getByTestId('model-file-delete-My-Model.gguf').click()
    await section().getByTestId('model-file-confirm-delete-My-Model.gguf').click()
    await expect.poll(() => row.count()).toBe(0)
    await expect.poll(() => option.count()).toBe(0)
  })

  it('downloads a recommended model with a progress bar, then lists it as installed', async () => {
    server.behaviour.trickle = { chunkBytes: 64 * 1024, delayMs: 40 }
    await start()
    await openModelFiles()
    const status = section().getByTestId('model-download-served-model')
    expect(await status.getAttribute('data-status')).toBe('none')
    await section().getByTestId('model-download-served-model-start').click()

    await expect.poll(() => status.getAttribute('data-status')).toBe('downloading')
    const bar = status.getByRole('progressbar')
    await expect
      .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 10_000 })
      .toBeGreaterThan(0)
    expect(await section().getByTestId('model-download-served-model-text').innerText()).toMatch(/ of 3\.0 MB/)

    const row = section().getByTestId('model-file-Served-Model-Q4_K_M.gguf')
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1)
    expect(await row.innerText()).toContain('Served Model')
    // Installed models leave the recommended list.
    expect(await section().getByTestId('catalog-row-served-model').count()).toBe(0)
  })

  it('cancels a download to a paused state and resumes it', async () => {
    server.behaviour.trickle = { chunkBytes: 64 * 1024, delayMs: 60 }
    await start()
    await openModelFiles()
    const status = section().getByTestId('model-download-served-model')
    await section().getByTestId('model-download-served-model-start').click()
    await expect
      .poll(async () => Number(await status.getByRole('progressbar').getAttribute('aria-valuenow')), {
        timeout: 10_000,
      })
      .toBeGreaterThan(0)
    await section().getByTestId('model-download-served-model-cancel').click()
    await expect.poll(() => status.getAttribute('data-status')).toBe('paused')
    expect(await section().getByTestId('model-download-served-model-text').innerText()).toMatch(
      /Paused at .* of 3\.0 MB/,
    )

    server.behaviour.trickle = undefined
    await section().getByTestId('model-download-served-model-resume').click()
    await expect
      .poll(() => section().getByTestId('model-file-Served-Model-Q4_K_M.gguf').count(), { timeout: 20_000 })
      .toBe(1)
    expect(server.requests.at(-1)?.headers.range).toMatch(/^bytes=\d+-$/)
  })

  it('shows failures in plain words: a checksum mismatch, an HTTP error, no network', async () => {
    const port = await freePort()
    await start({
      catalog: [
        entry({ id: 'bad-checksum', label: 'Bad checksum', fileName: 'bad.gguf', sha256: '00'.repeat(32) }),
        entry({
          id: 'offline',
          label: 'Offline',
          fileName: 'offline.gguf',
          url: `http://127.0.0.1:${port}/model.gguf`,
        }),
      ],
    })
    await openModelFiles()
    await section().getByTestId('model-download-bad-checksum-start').click()
    const checksum = section().getByTestId('model-download-bad-checksum-error')
    await expect.poll(() => checksum.count(), { timeout: 20_000 }).toBe(1)
    expect(await checksum.getAttribute('data-code')).toBe('checksum')
    expect(await checksum.innerText()).toMatch(
      /The download failed\. The file does not match its published checksum\. Details: The downloaded file does not match its published SHA-256 checksum/,
    )
    // Nothing kept: only "Try again", no "Discard".
    expect(await section().getByTestId('model-download-bad-checksum-resume').innerText()).toBe('Try again')
    expect(await section().getByTestId('model-download-bad-checksum-discard').count()).toBe(0)

    server.behaviour.status = 404
    await section().getByTestId('model-download-bad-checksum-resume').click()
    await expect.poll(() => checksum.getAttribute('data-code'), { timeout: 10_000 }).toBe('http')
    expect(await checksum.innerText()).toMatch(/HTTP 404/)

    await section().getByTestId('model-download-offline-start').click()
    const offline = section().getByTestId('model-download-offline-error')
    await expect.poll(() => offline.count(), { timeout: 10_000 }).toBe(1)
    expect(await offline.innerText()).toMatch(/127\.0\.0\.1:\d+ refused the connection/)
    expect(await section().getByTestId('model-file-list').locator('li').count()).toBe(0)
  })

  it('speaks Japanese', async () => {
    await start()
    await harness.core.router.invoke('settings:set-preferences', [{ language: 'ja' }])
    await openModelFiles()
    expect(await section().locator('h3').innerText()).toBe('ローカルのモデルファイル')
    expect(await section().getByTestId('model-download-served-model-start').innerText()).toBe('ダウンロード（3.0 MB）')
  })

  it('offers the recommended download on a first run when no model server answers', async () => {
    server.behaviour.trickle = { chunkBytes: 128 * 1024, delayMs: 20 }
    await start()
    // The default models are Ollama's, and nothing listens on its port here.
    await expect.poll(() => page.getByTestId('endpoint-banner').count(), { timeout: 15_000 }).toBe(1)
    const offer = page.getByTestId('first-run-offer')
    await expect.poll(() => offer.getAttribute('data-state')).toBe('offer')
    expect(await offer.innerText()).toMatch(/Download Served Model \(3\.0 MB\) once/)
    // One primary action: beside the offer, the banner drops its warning colours.
    const warningBackground = () =>
      page.evaluate(() => {
        const probe = document.body.appendChild(document.createElement('div'))
        probe.style.background = 'var(--warn-soft)'
        const colour = getComputedStyle(probe).backgroundColor
        probe.remove()
        return colour
      })
    const bannerBackground = () =>
      page.getByTestId('endpoint-banner').evaluate((banner) => getComputedStyle(banner).backgroundColor)
    expect(await bannerBackground()).not.toBe(await warningBackground())
    await page.getByTestId('first-run-download').click()
    await expect.poll(() => offer.getAttribute('data-state'), { timeout: 20_000 }).toBe('ready')
    expect(await offer.innerText()).toMatch(/Served Model is installed/)
  })

  it('after the first-run download, the model is selected and chat works with no server', async () => {
    const tiny = await startFileServer(tinyGgufBytes())
    try {
      const model = entry({
        id: 'tiny',
        label: 'Tiny Model',
        fileName: 'Tiny-Model.gguf',
        url: tiny.url,
        sizeBytes: tiny.body.length,
        sha256: tiny.sha256,
      })
      await start({ catalog: [model], embeddedModels: { maxTokens: 24, threads: 1, temperature: 0 } })
      await expect.poll(() => page.getByTestId('endpoint-banner').count(), { timeout: 15_000 }).toBe(1)
      await page.getByTestId('first-run-download').click()
      await expect
        .poll(() => page.getByTestId('first-run-offer').getAttribute('data-state'), { timeout: 20_000 })
        .toBe('ready')
      expect(await page.getByTestId('first-run-offer').innerText()).toMatch(/Tiny Model is installed and selected/)

      // The new column is the only one selected, and its check passes: the banner goes.
      const id = installedModelId('Tiny-Model.gguf')
      await expect.poll(() => page.getByTestId(`model-option-${id}`).isChecked()).toBe(true)
      expect(await page.getByTestId('model-option-llama3-2').isChecked()).toBe(false)
      await expect.poll(() => page.getByTestId('endpoint-banner').count(), { timeout: 15_000 }).toBe(0)

      await page.getByTestId('prompt-input').fill('Tell me about the river')
      await page.getByTestId('send-button').click()
      const column = page.getByTestId(`column-${id}`).last()
      await expect.poll(() => column.getAttribute('data-status'), { timeout: 60_000 }).toBe('complete')
      expect((await column.getByTestId('column-text').innerText()).trim().length).toBeGreaterThan(0)
    } finally {
      await tiny.close()
    }
  })
})
