/**
 * The whole flow with the keyboard only (issue 16): type a prompt, pick a model chip, send, stop one column, copy a
 * code block, open Settings (focus trapped inside, restored on close), search the history and open a hit. Only key
 * presses drive the page; the test reads where the focus is.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium } from '../support/browser'
import { answerColumn, focusedTestId, openApp, untilComplete } from './harness-pages'

const CODE_ANSWER = 'Use this:\n\n```sh\necho keyboard-only\n```\n\nDone.\n'
const SLOW_ANSWER = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ')

let browser: Browser
let openAi: FakeOpenAiServer
let harness: Harness | undefined
let page: Page | undefined

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({
    coder: { kind: 'answer', deltas: splitIntoDeltas(CODE_ANSWER), intervalMs: 5 },
    slow: { kind: 'answer', deltas: splitIntoDeltas(SLOW_ANSWER), intervalMs: 60 },
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

/** What the focused element is: its test id, its aria-label, the column it is in, and whether it is in a dialog. */
function focused(shown: Page) {
  return shown.evaluate(() => {
    const active = document.activeElement
    return {
      testId: active?.getAttribute('data-testid') ?? null,
      label: active?.getAttribute('aria-label') ?? null,
      column: active?.closest('.column')?.getAttribute('data-testid') ?? null,
      inDialog: !!active?.closest('[role="dialog"]'),
      isBody: active === document.body || active === null,
    }
  })
}

type Focus = Awaited<ReturnType<typeof focused>>

/** Presses Tab until the focus is where `wanted` says (at most `limit` presses); fails otherwise. */
async function tabTo(shown: Page, wanted: (focus: Focus) => boolean, what: string, limit = 80): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (wanted(await focused(shown))) return
    await shown.keyboard.press('Tab')
  }
  throw new Error(`Tab never reached ${what}`)
}

describe('keyboard only', () => {
  it('asks, picks a model, stops a column, copies code, uses Settings and opens a search hit', async () => {
    const opened = await openApp(browser, { modelIds: ['coder', 'slow'], baseUrl: openAi.baseUrl })
    ;({ page, harness } = opened)
    const shown = opened.page
    await shown.context().grantPermissions(['clipboard-read', 'clipboard-write'])

    // The prompt has the focus at start; both chips are on: Space on one turns it off and on again.
    expect(await focusedTestId(shown)).toBe('prompt-input')
    await tabTo(shown, (f) => f.testId === 'model-option-slow', 'the slow model chip')
    await shown.keyboard.press('Space')
    expect(await shown.getByTestId('model-option-slow').isChecked()).toBe(false)
    await shown.keyboard.press('Space')
    expect(await shown.getByTestId('model-option-slow').isChecked()).toBe(true)

    await tabTo(shown, (f) => f.testId === 'prompt-input', 'the prompt')
    await shown.keyboard.type('How do I print a line?')
    await shown.keyboard.press('Enter')
    await untilComplete(shown, 'coder')

    // Stop the slow column with its own Stop button; the focus stays in the page, not on its body.
    await tabTo(shown, (f) => f.testId === 'column-stop' && f.column === 'column-slow', "the slow column's Stop")
    await shown.keyboard.press('Enter')
    await expect.poll(() => answerColumn(shown, 'slow').getAttribute('data-status')).toBe('stopped')
    expect((await focused(shown)).isBody, 'the focus fell to the page body').toBe(false)

    // Copy the code block.
    await tabTo(shown, (f) => f.label === 'Copy code' && f.column === 'column-coder', 'the code block Copy')
    await shown.keyboard.press('Enter')
    await expect.poll(() => shown.evaluate(() => navigator.clipboard.readText())).toBe('echo keyboard-only\n')

    // Settings: Tab and Shift+Tab never leave the panel; Esc closes it and the focus returns to its button.
    await tabTo(shown, (f) => f.testId === 'settings-button', 'the Settings button')
    await shown.keyboard.press('Enter')
    await expect.poll(() => shown.getByTestId('settings-panel').count()).toBe(1)
    const stops = new Set<string>()
    for (let i = 0; i < 120; i++) {
      await shown.keyboard.press('Tab')
      const focus = await focused(shown)
      expect(focus.inDialog, `Tab ${i + 1} left the Settings panel`).toBe(true)
      stops.add(`${focus.testId}|${focus.label}`)
    }
    expect(stops.size, 'Tab walks through the panel').toBeGreaterThan(5)
    for (let i = 0; i < 10; i++) {
      await shown.keyboard.press('Shift+Tab')
      expect((await focused(shown)).inDialog, `Shift+Tab ${i + 1} left the Settings panel`).toBe(true)
    }
    await shown.keyboard.press('Escape')
    await expect.poll(() => shown.getByTestId('settings-panel').count()).toBe(0)
    expect(await focusedTestId(shown)).toBe('settings-button')

    // Search the history (Ctrl+K), arrow down into the hits, Enter opens the conversation.
    await shown.keyboard.press('Control+N')
    await expect.poll(() => shown.getByTestId('exchange').count()).toBe(0)
    await shown.keyboard.press('Control+K')
    expect(await focusedTestId(shown)).toBe('history-search')
    await shown.keyboard.type('keyboard-only')
    await expect.poll(() => shown.getByTestId('search-hit').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    await shown.keyboard.press('ArrowDown')
    expect(await focusedTestId(shown)).toBe('search-hit')
    await shown.keyboard.press('Enter')
    await expect.poll(() => shown.getByTestId('exchange').count()).toBe(1)
    expect(await answerColumn(shown, 'coder').getByTestId('column-text').innerText()).toContain('echo keyboard-only')
  })

  it('shows where the focus is in forced-colors mode (Windows High Contrast), where box shadows are dropped', async () => {
    const opened = await openApp(browser, { modelIds: ['coder'], baseUrl: openAi.baseUrl })
    ;({ page, harness } = opened)
    const shown = opened.page
    await shown.emulateMedia({ forcedColors: 'active' })
    const unmarked: string[] = []
    for (let i = 0; i < 25; i++) {
      await shown.keyboard.press('Tab')
      const stop = await shown.evaluate(() => {
        const active = document.activeElement as HTMLElement | null
        if (!active || active === document.body) return { name: 'body', marked: true }
        const drawsFocus = active.closest('.model-chip, .choice, .prompt-box, .import-button, .file-button')
        const marked = [active, drawsFocus].some((element) => {
          if (!element) return false
          const style = getComputedStyle(element)
          return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1
        })
        return {
          name: active.getAttribute('data-testid') ?? active.getAttribute('aria-label') ?? active.tagName,
          marked,
        }
      })
      if (!stop.marked) unmarked.push(stop.name)
    }
    expect(unmarked, 'focus stops without a visible outline').toEqual([])
  })
})
