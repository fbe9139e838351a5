/**
 * The words of a search marked in an opened conversation, with the CSS Custom Highlight API: ranges over the
 * rendered text, so the markdown's DOM is not touched (React keeps owning it) and nothing is re-rendered. The
 * first match is brought into view when it is outside it (far down a long answer). Styled by
 * `::highlight(search-match)`.
 */
import { matchOffsets, searchTerms } from '../format/match-offsets'

const HIGHLIGHT_NAME = 'search-match'
/** Enough for any screen; a page of thousands of marks costs layout for nothing. */
const MAX_MARKS = 500

/** How long the marks wait for an answer's text to be drawn (answers render in slices after the turn appears). */
const WAIT_FOR_TEXT_MS = 3_000

/**
 * Marks the query's words inside `root`, shown in `viewport`, as soon as they are drawn there. Returns what stops
 * waiting (for a view that goes before the text came).
 */
export function markSearchMatches(root: HTMLElement, viewport: HTMLElement | null, query: string): () => void {
  clearSearchHighlight()
  const terms = searchTerms(query)
  if (terms.length === 0 || typeof CSS === 'undefined' || !('highlights' in CSS)) return () => {}
  if (markNow(root, viewport, terms)) return () => {}
  const observer = new MutationObserver(() => {
    if (markNow(root, viewport, terms)) stop()
  })
  const timer = setTimeout(() => stop(), WAIT_FOR_TEXT_MS)
  const stop = () => {
    observer.disconnect()
    clearTimeout(timer)
  }
  observer.observe(root, { childList: true, subtree: true, characterData: true })
  return stop
}

/** Whether there was anything to mark. */
function markNow(root: HTMLElement, viewport: HTMLElement | null, terms: readonly string[]): boolean {
  const ranges: Range[] = []
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node && ranges.length < MAX_MARKS; node = walker.nextNode()) {
    for (const { start, end } of matchOffsets(node.nodeValue ?? '', terms)) {
      const range = document.createRange()
      range.setStart(node, start)
      range.setEnd(node, end)
      ranges.push(range)
    }
  }
  if (ranges.length === 0) return false
  CSS.highlights.set(HIGHLIGHT_NAME, new Highlight(...ranges))
  const first = ranges[0]!.getBoundingClientRect()
  const view = (viewport ?? document.documentElement).getBoundingClientRect()
  if (first.top < view.top || first.bottom > view.bottom) {
    ranges[0]!.startContainer.parentElement?.scrollIntoView({ block: 'center' })
  }
  return true
}

export function clearSearchHighlight(): void {
  if (typeof CSS !== 'undefined' && 'highlights' in CSS) CSS.highlights.delete(HIGHLIGHT_NAME)
}
