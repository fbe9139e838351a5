/**
 * Attachments end to end in Chromium: the built renderer in the browser harness over the real core. An image is
 * pasted and a text file dropped into the composer; both show as chips (the image with main's thumbnail); the
 * prompt goes to a vision model and a text-only one. The recorded requests show each got what it reads, the text-
 * only column says which attachment it did not get, the image opens larger, and the exchange reopens from history
 * with its attachments.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { makePng } from '../fixtures/attachment-files'
import { launchChromium } from '../support/browser'
import { giveFile as giveFileTo, openApp } from './harness-pages'

const VISION = 'llava'
const TEXT_ONLY = 'llama3.2'

let browser: Browser
let openAi: FakeOpenAiServer
let harness: Harness | undefined
let page: Page | undefined

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({
    [VISION]: { kind: 'answer', deltas: splitIntoDeltas('A green circle on a gradient.') },
    [TEXT_ONLY]: { kind: 'answer', deltas: splitIntoDeltas('The log has two lines.') },
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

/** A file pasted or dropped on the composer's text box. */
const giveFile = (target: Page, how: 'paste' | 'drop', file: { name: string; type: string; base64: string }) =>
  giveFileTo(target, 'prompt-input', how, file)

type Part = { type: string; text?: string; image_url?: { url: string } }
const lastContent = (model: string, prompt: string) => {
  const request = openAi.requests.find(
    (r) => r.model === model && JSON.stringify(r.messages).includes(JSON.stringify(prompt).slice(1, -1)),
  )
  const messages = (request?.messages ?? []) as Array<{ content: Part[] | string }>
  return messages.at(-1)?.content
}

describe('attachments in the window', () => {
  it('pastes and drops files, sends them to each model as it reads them, and reopens them from history', async () => {
    const app = await openApp(browser, { modelIds: [VISION, TEXT_ONLY], baseUrl: openAi.baseUrl })
    harness = app.harness
    page = app.page
    const { errors } = app

    const png = await makePng(120, 80)
    await giveFile(page, 'paste', { name: 'chart.png', type: 'image/png', base64: png.toString('base64') })
    const log = Buffer.from('start ok\nend ok\n')
    await giveFile(page, 'drop', { name: 'run.log', type: 'text/plain', base64: log.toString('base64') })

    const composer = page.locator('.prompt-box').getByTestId('attachment-chip')
    await expect
      .poll(() => composer.evaluateAll((chips) => chips.map((c) => c.getAttribute('data-status'))))
      .toEqual(['ok', 'ok'])
    expect(await composer.getByTestId('attachment-name').allTextContents()).toEqual([
      'Image: chart.png',
      'Text file: run.log',
    ])
    await expect.poll(() => composer.first().locator('img').getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/)
    // Keyboard: the chip's remove button has its own name.
    expect(await composer.nth(1).getByTestId('attachment-remove').getAttribute('aria-label')).toBe('Remove run.log')

    const prompt = 'What do these show?'
    await page.getByTestId('prompt-input').fill(prompt)
    await page.getByTestId('send-button').click()
    const column = (id: string) => page!.getByTestId(`column-${id}`).last()
    await expect.poll(() => column(VISION).getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')
    await expect.poll(() => column(TEXT_ONLY).getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')
    expect(await page.locator('.prompt-box').getByTestId('attachment-chip').count()).toBe(0)

    const logPart = { type: 'text', text: '<file name="run.log">\nstart ok\nend ok\n\n</file>' }
    expect(lastContent(VISION, prompt)).toEqual([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
      logPart,
      { type: 'text', text: prompt },
    ])
    expect(lastContent(TEXT_ONLY, prompt)).toEqual([logPart, { type: 'text', text: prompt }])
    expect(await column(TEXT_ONLY).getByTestId('column-withheld').innerText()).toBe(
      'Not given to this model: chart.png (it cannot read images)',
    )
    expect(await column(VISION).getByTestId('column-withheld').count()).toBe(0)

    // The exchange keeps its chips; the image opens larger and Esc closes it.
    const exchange = page.getByTestId('exchange').last()
    await exchange.getByTestId('attachment-open').click()
    const viewer = page.getByTestId('image-viewer')
    await expect.poll(() => viewer.getByTestId('image-viewer-image').getAttribute('src')).toMatch(/^data:image\/png/)
    await page.keyboard.press('Escape')
    await expect.poll(() => viewer.count()).toBe(0)

    // Reopened from history: the chips and the column's note are back.
    await page.getByTestId('new-chat-button').click()
    await page.getByTestId('conversation-item').first().getByTestId('conversation-title').click()
    const reopened = page.getByTestId('exchange').last()
    await expect
      .poll(() => reopened.getByTestId('attachment-name').allTextContents())
      .toEqual(['Image: chart.png', 'Text file: run.log'])
    expect(await reopened.getByTestId(`column-${TEXT_ONLY}`).getByTestId('column-withheld').innerText()).toContain(
      'chart.png',
    )
    expect(errors).toEqual([])
  })

  it('lets Settings say a model reads images, and then its column gets them', async () => {
    const app = await openApp(browser, { modelIds: [TEXT_ONLY], baseUrl: openAi.baseUrl })
    harness = app.harness
    page = app.page
    const { errors } = app
    await page.getByTestId('settings-button').click()
    const inputs = page.getByTestId(`model-inputs-${TEXT_ONLY}`)
    const images = inputs.getByTestId('model-reads-images')
    expect(await images.isChecked()).toBe(false)
    // The box follows the settings main sends back, so it is clicked and then awaited.
    await images.click()
    await expect.poll(() => images.isChecked()).toBe(true)
    await expect.poll(() => inputs.getByRole('button', { name: 'Back to the guess' }).count()).toBe(1)
    await page.keyboard.press('Escape')
    await expect.poll(() => page!.getByTestId('settings-panel').count()).toBe(0)

    const png = await makePng(30, 20)
    await giveFile(page, 'drop', { name: 'dot.png', type: 'image/png', base64: png.toString('base64') })
    const chip = page.locator('.prompt-box').getByTestId('attachment-chip')
    await expect.poll(() => chip.getAttribute('data-status')).toBe('ok')
    const prompt = 'And this one?'
    await page.getByTestId('prompt-input').fill(prompt)
    await page.getByTestId('send-button').click()
    const column = page.getByTestId(`column-${TEXT_ONLY}`).last()
    await expect.poll(() => column.getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')
    expect(lastContent(TEXT_ONLY, prompt)).toEqual([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
      { type: 'text', text: prompt },
    ])
    expect(await column.getByTestId('column-withheld').count()).toBe(0)
    expect(errors).toEqual([])
  })

  it('keeps a sent prompt’s attachments when it is edited, less those removed in the edit box', async () => {
    const app = await openApp(browser, { modelIds: [VISION], baseUrl: openAi.baseUrl })
    harness = app.harness
    page = app.page
    const { errors } = app

    const png = await makePng(40, 30)
    await giveFile(page, 'paste', { name: 'chart.png', type: 'image/png', base64: png.toString('base64') })
    const notes = Buffer.from('# Notes\nkeep me out\n')
    await giveFile(page, 'drop', { name: 'notes.md', type: 'text/markdown', base64: notes.toString('base64') })
    const composer = page.locator('.prompt-box').getByTestId('attachment-chip')
    await expect
      .poll(() => composer.evaluateAll((chips) => chips.map((c) => c.getAttribute('data-status'))))
      .toEqual(['ok', 'ok'])
    await page.getByTestId('prompt-input').fill('What is this?')
    await page.getByTestId('send-button').click()
    const column = () => page!.getByTestId(`column-${VISION}`).last()
    await expect.poll(() => column().getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')

    // The edit box shows the prompt's files as removable chips; the notes go, the chart stays.
    const exchange = page.getByTestId('exchange').last()
    await exchange.getByTestId('prompt-edit').click()
    const editBox = exchange.locator('.prompt-edit')
    const editChips = editBox.getByTestId('attachment-chip')
    expect(await editChips.getByTestId('attachment-name').allTextContents()).toEqual([
      'Image: chart.png',
      'Text file: notes.md',
    ])
    await editChips.nth(1).getByTestId('attachment-remove').click()
    expect(await editChips.getByTestId('attachment-name').allTextContents()).toEqual(['Image: chart.png'])
    const edited = 'What is this chart, then?'
    await editBox.getByTestId('prompt-edit-input').fill(edited)
    await editBox.getByTestId('prompt-edit-send').click()
    await expect.poll(() => page!.getByTestId('branch-position').innerText(), { timeout: 20_000 }).toBe('2/2')
    await expect.poll(() => column().getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')

    expect(lastContent(VISION, edited)).toEqual([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } },
      { type: 'text', text: edited },
    ])
    const shownNames = () => page!.getByTestId('exchange').last().getByTestId('attachment-name').allTextContents()
    expect(await shownNames()).toEqual(['Image: chart.png'])
    // Stored with the new turn: reopened from history, the edited prompt still has its chart.
    await page.getByTestId('new-chat-button').click()
    await page.getByTestId('conversation-item').first().getByTestId('conversation-title').click()
    await expect.poll(() => page!.getByTestId('prompt-text').last().innerText()).toContain(edited)
    await expect.poll(shownNames).toEqual(['Image: chart.png'])
    expect(errors).toEqual([])
  })
})
