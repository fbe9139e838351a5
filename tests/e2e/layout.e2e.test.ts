/**
 * Layout at 1280×800 and at 900×700 (issue 16): the first run (no model reachable), a two-column answer and
 * Settings, checked by assertions on boxes rather than pixel diffs: no sideways overflow of the window, every control
 * outside a scrolling list inside the window, nothing over the composer's prompt and Send. Screenshots go to
 * out/e2e-screenshots/ for a person to look at.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { Harness } from '../harness/harness-server'
import { startFakeOpenAiServer, splitIntoDeltas, type FakeOpenAiServer } from '../fixtures/fake-openai-server'
import { launchChromium } from '../support/browser'
import { openApp, untilComplete } from './harness-pages'

const SCREENSHOTS = join(process.cwd(), 'out', 'e2e-screenshots')
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 900, height: 700 },
]
const ANSWER = `Here is a comparison.\n\n${'A sentence that wraps over the width of its column. '.repeat(12)}\n\n| Name | Kind |\n| --- | --- |\n| SQLite | Embeddable relational database |\n`

let browser: Browser
let openAi: FakeOpenAiServer
let harness: Harness | undefined
let page: Page | undefined

beforeAll(async () => {
  browser = await launchChromium()
  const script = { kind: 'answer' as const, deltas: splitIntoDeltas(ANSWER, 24), intervalMs: 2 }
  openAi = await startFakeOpenAiServer({ 'llama3.2': script, 'qwen2.5': script })
  await mkdir(SCREENSHOTS, { recursive: true })
})
afterAll(async () => {
  await browser?.close()
  await openAi?.close()
})
afterEach(async () => {
  await page?.close()
  await harness?.close()
})

/**
 * What is wrong with the page's layout, as a list of findings (empty when all is well). With a panel open over the
 * page, the composer is behind it by design and is not checked.
 */
function layoutFindings(shown: Page, { panelOpen = false } = {}): Promise<string[]> {
  return shown.evaluate((panelOpen) => {
    const findings: string[] = []
    const nameOf = (element: Element) =>
      element.getAttribute('data-testid') ??
      element.getAttribute('aria-label') ??
      `${element.tagName.toLowerCase()} "${(element.textContent ?? '').trim().slice(0, 30)}"`
    if (document.documentElement.scrollWidth > window.innerWidth) {
      findings.push(`the window scrolls sideways (${document.documentElement.scrollWidth} > ${window.innerWidth})`)
    }
    // Controls not inside a scrolling region must be wholly in the window.
    const scrolling = '.conversation-scroll, .sidebar-list, .columns, .drawer-body, .settings-nav, .model-picker'
    for (const control of Array.from(document.querySelectorAll('button, input, textarea, select, [role="tab"]'))) {
      const box = control.getBoundingClientRect()
      if (box.width === 0 || box.height === 0 || control.closest(scrolling) || control.closest('[hidden]')) continue
      if (getComputedStyle(control).visibility === 'hidden') continue
      if (box.left < -1 || box.top < -1 || box.right > window.innerWidth + 1 || box.bottom > window.innerHeight + 1) {
        findings.push(`${nameOf(control)} is cut off at ${Math.round(box.left)},${Math.round(box.top)}`)
      }
    }
    // Nothing may lie over the prompt box or Send: what is drawn at their points is theirs.
    for (const testId of panelOpen ? [] : ['prompt-input', 'send-button']) {
      const target = document.querySelector(`[data-testid="${testId}"]`)
      if (!target) continue
      const box = target.getBoundingClientRect()
      for (const [x, y] of [
        [box.left + 4, box.top + 4],
        [box.right - 4, box.bottom - 4],
        [(box.left + box.right) / 2, (box.top + box.bottom) / 2],
      ]) {
        const hit = document.elementFromPoint(x!, y!)
        if (hit && hit !== target && !target.contains(hit)) findings.push(`${nameOf(hit)} lies over ${testId}`)
      }
    }
    return findings
  }, panelOpen)
}

describe.each(VIEWPORTS)('layout at $width×$height', (viewport) => {
  const shot = (name: string) =>
    page!.screenshot({ path: join(SCREENSHOTS, `layout-${name}-${viewport.width}x${viewport.height}.png`) })

  it('first run with no model reachable: the banner and the composer fit, nothing over the prompt', async () => {
    const opened = await openApp(browser, {
      modelIds: ['llama3.2', 'qwen2.5'],
      baseUrl: 'http://127.0.0.1:9/v1',
      page: { viewport },
    })
    ;({ page, harness } = opened)
    await expect.poll(() => opened.page.getByTestId('endpoint-banner').isVisible(), { timeout: 15_000 }).toBe(true)
    await shot('first-run')
    expect(await layoutFindings(opened.page)).toEqual([])
  })

  it('a two-column answer and Settings fit the window', async () => {
    const opened = await openApp(browser, {
      modelIds: ['llama3.2', 'qwen2.5'],
      baseUrl: openAi.baseUrl,
      page: { viewport },
    })
    ;({ page, harness } = opened)
    const shown = opened.page
    await shown.getByTestId('prompt-input').fill('Compare embedded databases')
    await shown.getByTestId('send-button').click()
    for (const id of ['llama3.2', 'qwen2.5']) await untilComplete(shown, id)
    await shot('two-columns')
    expect(await layoutFindings(shown)).toEqual([])
    // Both columns side by side, each at least 280 px wide, neither past the window's right edge.
    const columns = await shown.locator('.column').evaluateAll((elements) =>
      elements.map((element) => {
        const box = element.getBoundingClientRect()
        return { left: box.left, right: box.right, width: box.width }
      }),
    )
    expect(columns).toHaveLength(2)
    for (const column of columns) {
      expect(column.width).toBeGreaterThanOrEqual(280)
      expect(column.right).toBeLessThanOrEqual(viewport.width)
    }

    await shown.getByTestId('settings-button').click()
    await expect.poll(() => shown.getByTestId('settings-panel').count()).toBe(1)
    await shot('settings')
    expect(await layoutFindings(shown, { panelOpen: true })).toEqual([])
    const panel = await shown.getByTestId('settings-panel').boundingBox()
    expect(panel!.x).toBeGreaterThanOrEqual(0)
    expect(panel!.x + panel!.width).toBeLessThanOrEqual(viewport.width)
    expect(panel!.y + panel!.height).toBeLessThanOrEqual(viewport.height)
  })
})
