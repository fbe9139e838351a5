/**
 * The keyboard-first main window and its languages, end to end in Debian's Chromium through the browser harness:
 * Ctrl+N, Ctrl+K, the send key preference, Esc, the quick-ask shortcut preference, and English/Japanese.
 * (Headless Chromium on Linux: the platform modifier is Ctrl.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startHarness, type Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium } from '../support/browser'
import { writeSettings } from '../support/test-core'
import { focusedTestId, openMainPage, openQuickAskPage, type OpenedPage } from './harness-pages'
import { makeTempDir } from '../support/temp-dir'

const LONG = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ')

let browser: Browser
let openAi: FakeOpenAiServer

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({
    alpha: { kind: 'answer', deltas: splitIntoDeltas('Alpha answers.'), intervalMs: 5 },
    slow: { kind: 'answer', deltas: splitIntoDeltas(LONG), intervalMs: 40 },
  })
})
afterAll(async () => {
  await browser?.close()
  await openAi?.close()
})

let harness: Harness
let pages: OpenedPage[] = []
let page: Page

async function start(modelIds: string[]) {
  const userDataDir = await makeTempDir('e2e-keys')
  await writeSettings(userDataDir, modelIds, openAi.baseUrl)
  harness = await startHarness({ userDataDir })
  const opened = await openMainPage(browser, harness.url)
  pages.push(opened)
  page = opened.page
}

afterEach(async () => {
  for (const opened of pages) await opened.page.close()
  const errors = pages.flatMap((opened) => opened.errors)
  pages = []
  await harness?.close()
  expect(errors).toEqual([])
})

const exchanges = () => page.getByTestId('exchange').count()
const column = (modelId: string) => page.getByTestId(`column-${modelId}`).last()

async function askAndFinish(prompt: string) {
  await page.getByTestId('prompt-input').fill(prompt)
  await page.getByTestId('prompt-input').press('Enter')
  await expect.poll(() => column('alpha').getAttribute('data-status'), { timeout: 20_000 }).toBe('complete')
}

async function openSettings() {
  await page.getByTestId('settings-button').click()
  await expect.poll(() => page.getByTestId('settings-panel').count()).toBe(1)
  // The panel adds no second banner landmark beside the top bar's.
  expect(await page.getByRole('banner').count()).toBe(1)
}

async function closeSettings() {
  await page.keyboard.press('Escape')
  await expect.poll(() => page.getByTestId('settings-panel').count()).toBe(0)
}

describe('keyboard and languages in the browser harness', () => {
  it('Ctrl+N starts a new chat and Ctrl+K finds the search box, opening the sidebar; the buttons say so', async () => {
    await start(['alpha'])
    expect(await page.getByTestId('new-chat-button').getAttribute('title')).toBe('New chat (Ctrl+N)')
    expect(await page.getByTestId('history-search').getAttribute('title')).toBe('Search conversations (Ctrl+K)')
    await askAndFinish('First question')
    expect(await exchanges()).toBe(1)

    await page.keyboard.press('Control+N')
    await expect.poll(exchanges).toBe(0)
    expect(await page.getByTestId('conversation-item').first().getAttribute('data-active')).toBe('false')
    // The new chat starts where one types, from the shortcut and from the button (focus elsewhere before).
    await expect.poll(() => focusedTestId(page)).toBe('prompt-input')
    await askAndFinish('Second question')
    await page.getByTestId('history-search').focus()
    await page.getByTestId('new-chat-button').click()
    await expect.poll(exchanges).toBe(0)
    await expect.poll(() => focusedTestId(page)).toBe('prompt-input')

    await page.getByTestId('sidebar-toggle').click()
    expect(await page.getByTestId('sidebar').isHidden()).toBe(true)
    await page.getByTestId('prompt-input').focus()
    await page.keyboard.press('Control+K')
    await expect.poll(() => page.getByTestId('sidebar').isVisible()).toBe(true)
    await expect.poll(() => focusedTestId(page)).toBe('history-search')
  })

  it("with the send key 'Ctrl+Enter', Enter makes a new line and Ctrl+Enter sends", async () => {
    await start(['alpha'])
    const input = page.getByTestId('prompt-input')
    expect(await input.getAttribute('placeholder')).toContain('Enter to send, Shift+Enter for a new line')
    await openSettings()
    await page.getByTestId('pref-send-key').selectOption('mod-enter')
    await closeSettings()
    expect(await input.getAttribute('placeholder')).toContain('Ctrl+Enter to send, Enter for a new line')
    expect(await page.getByTestId('send-button').getAttribute('title')).toBe('Send (Ctrl+Enter)')

    await input.fill('line one')
    await input.press('Enter')
    await input.pressSequentially('line two')
    expect(await input.inputValue()).toBe('line one\nline two')
    expect(await exchanges()).toBe(0)
    await input.press('Control+Enter')
    await expect.poll(exchanges).toBe(1)
    expect(await page.locator('.prompt-bubble').innerText()).toContain('line one\nline two')
    expect(await input.inputValue()).toBe('')
    // Kept in settings, so it holds after a reload.
    await page.reload()
    await expect.poll(() => input.getAttribute('placeholder')).toContain('Ctrl+Enter to send')
  })

  it('Esc stops the answer on screen, once nothing else (a search box to clear) wants it', async () => {
    await start(['slow'])
    await page.getByTestId('prompt-input').fill('Take your time')
    await page.getByTestId('prompt-input').press('Enter')
    await expect.poll(() => column('slow').getByTestId('column-text').innerText(), { timeout: 10_000 }).toMatch(/word3/)
    expect(await page.getByTestId('stop-all-button').getAttribute('title')).toBe('Stop all (Esc)')

    // The search box uses its Esc to clear its text: the answer goes on.
    await page.getByTestId('history-search').fill('zephyr')
    await page.getByTestId('history-search').press('Escape')
    expect(await page.getByTestId('history-search').inputValue()).toBe('')
    expect(await column('slow').getAttribute('data-status')).toBe('streaming')

    await page.getByTestId('prompt-input').focus()
    await page.keyboard.press('Escape')
    await expect.poll(() => column('slow').getAttribute('data-status'), { timeout: 10_000 }).toBe('stopped')
  })

  it('checks the quick-ask shortcut: a typo is refused with a reason, a good one is saved and shown for this platform', async () => {
    await start(['alpha'])
    await openSettings()
    // Sections with links at the top, the models first; a link brings its section into view, focused.
    const links = await page.getByTestId('settings-nav').getByRole('button').allInnerTexts()
    expect(links[0]).toBe('Models')
    expect(links).toContain('Preferences')
    await page.getByTestId('settings-nav-preferences').click()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('settings-part-preferences')
    await expect.poll(() => page.getByTestId('pref-shortcut').isVisible()).toBe(true)
    const field = page.getByTestId('pref-shortcut')
    expect(await field.inputValue()).toBe('CommandOrControl+Shift+Space')
    await field.fill('Hyper+Space')
    await page.getByTestId('pref-shortcut-save').click()
    await expect
      .poll(() => page.getByTestId('pref-shortcut-error').innerText())
      .toMatch(/"Hyper" is not a modifier key/)
    expect(await field.inputValue()).toBe('Hyper+Space')

    await field.fill('CommandOrControl+Alt+K')
    await page.getByTestId('pref-shortcut-save').click()
    await expect.poll(() => page.getByTestId('pref-shortcut-error').count()).toBe(0)
    expect(await page.getByTestId('settings-panel').innerText()).toContain('Currently Ctrl+Alt+K.')
    const saved = (await harness.core.router.invoke('settings:get', [])) as {
      preferences: { quickAskShortcut: string }
    }
    expect(saved.preferences.quickAskShortcut).toBe('CommandOrControl+Alt+K')

    // Or press the keys: Record, then the combination (a key alone is refused, Esc cancels).
    await page.getByTestId('pref-shortcut-record').click()
    expect(await focusedTestId(page)).toBe('pref-shortcut')
    await page.keyboard.press('j')
    expect(await page.getByTestId('settings-panel').innerText()).toContain('Use Ctrl, Alt or ⌘ with the key')
    await page.keyboard.press('Escape')
    expect(await field.inputValue()).toBe('CommandOrControl+Alt+K')
    expect(await page.getByTestId('settings-panel').count()).toBe(1)
    await page.getByTestId('pref-shortcut-record').click()
    await page.keyboard.press('Control+Shift+J')
    expect(await field.inputValue()).toBe('CommandOrControl+Shift+J')
    await page.getByTestId('pref-shortcut-save').click()
    await expect
      .poll(
        async () =>
          ((await harness.core.router.invoke('settings:get', [])) as { preferences: { quickAskShortcut: string } })
            .preferences.quickAskShortcut,
      )
      .toBe('CommandOrControl+Shift+J')

    // The two toggles go straight to the settings.
    await page.getByTestId('pref-close-to-tray').uncheck()
    await expect
      .poll(
        async () =>
          ((await harness.core.router.invoke('settings:get', [])) as { preferences: { closeToTray: boolean } })
            .preferences.closeToTray,
      )
      .toBe(false)
  })

  it('switches the whole UI, quick ask included, to Japanese and back', async () => {
    await start(['alpha'])
    const quick = await openQuickAskPage(browser, harness.url)
    pages.push(quick)
    expect(await page.getByTestId('send-button').innerText()).toBe('Send')

    await openSettings()
    await page.getByTestId('pref-language').selectOption('ja')
    await expect.poll(() => page.getByTestId('send-button').innerText()).toBe('送信')
    expect(await page.locator('.drawer-header h2').innerText()).toBe('設定')
    expect(await page.getByTestId('mode-badge').innerText()).toBe('ローカル')
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ja')
    // The other window follows through `settings:changed`.
    await expect.poll(() => quick.page.locator('.quick-ask-title').innerText()).toBe('クイック質問')
    await closeSettings()
    expect(await page.getByTestId('new-chat-button').getAttribute('title')).toBe('新しいチャット（Ctrl+N）')
    await askAndFinish('日本語で')
    expect(await column('alpha').getByTestId('column-status').innerText()).toBe('完了')

    await page.reload()
    await expect.poll(() => page.getByTestId('send-button').innerText()).toBe('送信')
    await openSettings()
    await page.getByTestId('pref-language').selectOption('en')
    await expect.poll(() => page.getByTestId('send-button').innerText()).toBe('Send')
    expect(await page.locator('.drawer-header h2').innerText()).toBe('Settings')
    await expect.poll(() => quick.page.locator('.quick-ask-title').innerText()).toBe('Quick ask')
  })
})
