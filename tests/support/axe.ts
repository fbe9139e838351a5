/**
 * The axe-core accessibility engine run in a page of the browser harness. Its source is evaluated through the
 * DevTools protocol (playwright's evaluate), which the page's Content-Security-Policy does not govern, so the app's
 * strict CSP stays as it ships: no script tag is added and no policy is relaxed for the test.
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const require = createRequire(import.meta.url)
let axeSource: Promise<string> | undefined

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  /** The offending elements, as CSS selectors, with axe's summary of what to fix. */
  nodes: { target: string; summary: string }[]
}

/** The serious and critical violations on the page as it is now (WCAG 2.x A and AA rules). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(require.resolve('axe-core/axe.min.js'), 'utf8')
  const source = await axeSource
  const loaded = await page.evaluate(() => 'axe' in window)
  if (!loaded) await page.evaluate(source)
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }).axe
    type AxeResults = {
      violations: {
        id: string
        impact: string | null
        help: string
        nodes: { target: unknown[]; failureSummary?: string }[]
      }[]
    }
    const results = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
      resultTypes: ['violations'],
    })
    return results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({ target: node.target.join(' '), summary: node.failureSummary ?? '' })),
    }))
  })
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
}

/** One line per violation and element, for an assertion message a reader can act on. */
export function describeViolations(violations: readonly AxeViolation[]): string[] {
  return violations.flatMap((violation) =>
    violation.nodes.map((node) => `${violation.id} (${violation.impact}): ${violation.help} — ${node.target}`),
  )
}
