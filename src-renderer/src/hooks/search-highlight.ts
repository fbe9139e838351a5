/**
 * The words of a search marked in an opened conversation, with the CSS Custom Highlight API: ranges over the
 * rendered text, so the markdown's DOM is not touched (React keeps owning it) and nothing is re-rendered. The
 * first match is scrolled into view. Styled by `::highlight(search-match)`.
 */
import { matchOffsets, searchTerms } from '../format/match-offsets'

const HIGHLIGHT_NAME = 'search-match'
/** Enough for any screen; a page of thousands of marks costs layout for nothing. */
const MAX_MARKS = 500

/** Marks the query's words inside `root`; returns how many, 0 where the browser cannot mark text. */
export function highlightSearchMatches(root: HTMLElement, query: string): number {
  clearSearchHighlight()
  const terms = searchTerms(query)
  if (terms.length === 0 || typeof CSS === 'undefined' || !('highlights' in CSS)) return 0
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
  if (ranges.length === 0) return 0
  CSS.highlights.set(HIGHLIGHT_NAME, new Highlight(...ranges))
  ranges[0]!.startContainer.parentElement?.scrollIntoView({ block: 'center' })
  return ranges.length
}

export function clearSearchHighlight(): void {
  if (typeof CSS !== 'undefined' && 'highlights' in CSS) CSS.highlights.delete(HIGHLIGHT_NAME)
}
