/**
 * The axe-core engine on every main screen, in light and dark: the chat view while answers stream and once they
 * are done, Settings, history search, Diagnostics, and quick ask. No serious or critical violation of the WCAG
 * 2.x A/AA rules. (Run through the DevTools protocol: the app's CSP is not relaxed for it; see tests/support/axe.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startHarness, type Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { describeViolations, seriousViolations } from '../support/axe'
import { launchChromium } from '../support/browser'
import { writeSettings } from '../support/test-core'
import { makeTempDir } from '../support/temp-dir'
import { answerColumn, openMainPage, openQuickAskPage } from './harness-pages'

const ANSWER = 'A **bold** claim, a list:\n\n- one\n- two\n\n```ts\nconst x = 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |'
const LONG = Array.from({ length: 150 }, (_, i) => `word${i}`).join(' ')

let browser: Browser
let openAi: FakeOpenAiServer
let harness: Harness

beforeAll(async () => {
  browser = await launchChromium()
  openAi = await startFakeOpenAiServer({
    alpha: { kind: 'answer', deltas: splitIntoDeltas(ANSWER), intervalMs: 5 },
    slow: { kind: 'answer', deltas: splitIntoDeltas(LONG), intervalMs: 40 },
  })
  const userDataDir = await makeTempDir('e2e-a11y')
  await writeSettings(userDataDir, ['alpha', 'slow'], openAi.baseUrl)
  harness = await startHarness({ userDataDir })
})
afterAll(async () => {
  await browser?.close()
  await harness?.close()
  await openAi?.close()
})

/** Each screen is checked in both themes, switched in place (one stream, one page). */
async function expectNoSeriousViolations(page: Page, screen: string) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' })
    // Colours change with a transition: measured mid-way they would mix the two themes. Finite ones only (a
    // spinner turns for ever); one cancelled by a re-render (a streaming answer) simply ends.
    await page.evaluate(async () => {
      const running = () =>
        document.getAnimations().filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)
      for (let round = 0; round < 5 && running().length > 0; round++) {
        await Promise.all(running().map((animation) => animation.finished.catch(() => undefined)))
      }
    })
    expect(describeViolations(await seriousViolations(page)), `${screen}, ${colorScheme}`).toEqual([])
  }
}

describe('accessibility in light and dark', () => {
  it('chat (streaming and done), history search, Settings and Diagnostics', async () => {
    // Reduced motion: a drawer mid-slide would be measured half-transparent.
    const { page } = await openMainPage(browser, harness.url, { reducedMotion: 'reduce' })
    await expectNoSeriousViolations(page, 'empty chat')
    await page.getByTestId('prompt-input').fill('Accessibility check')
    await page.getByTestId('send-button').click()
    await expect.poll(() => answerColumn(page, 'slow').getAttribute('data-status')).toBe('streaming')
    await expectNoSeriousViolations(page, 'chat while streaming')
    await expect
      .poll(() => answerColumn(page, 'slow').getAttribute('data-status'), { timeout: 30_000 })
      .toBe('complete')
    await expectNoSeriousViolations(page, 'chat, answers done')

    await page.getByTestId('history-search').fill('Accessibility')
    await expect.poll(() => page.getByTestId('search-hit').count()).toBeGreaterThan(0)
    await expectNoSeriousViolations(page, 'history search')
    await page.getByTestId('history-search').fill('')

    await page.getByTestId('settings-button').click()
    await expect.poll(() => page.getByTestId('settings-panel').count()).toBe(1)
    await expectNoSeriousViolations(page, 'Settings')
    await page.keyboard.press('Escape')

    await page.getByTestId('diagnostics-button').click()
    await expect.poll(() => page.getByTestId('diagnostics-panel').count()).toBe(1)
    await expectNoSeriousViolations(page, 'Diagnostics')
    await page.close()
  })

  it('quick ask', async () => {
    const { page } = await openQuickAskPage(browser, harness.url)
    await expectNoSeriousViolations(page, 'quick ask')
    await page.getByTestId('quick-ask-input').fill('Quick accessibility check')
    await page.getByTestId('quick-ask-input').press('Enter')
    await expect
      .poll(() => page.getByTestId('quick-ask-answer').getAttribute('data-status'), { timeout: 20_000 })
      .toBe('complete')
    await expectNoSeriousViolations(page, 'quick ask, answered')
    await page.close()
  })
})
