/**
 * A one-line excerpt of a message around its first match, with every match inside it as a range. Ranges are
 * computed here, not by FTS5's highlight(), so both search paths (index and recent scan) mark text the same way
 * and no marker characters are ever mixed into user text.
 */
import type { HighlightedText } from './history-types'

export const SNIPPET_LENGTH = 160
/** Characters shown before the first match, so it reads in context. */
const LEAD_IN = 40
const ELLIPSIS = '…'

export function highlightSnippet(text: string, terms: readonly string[], length = SNIPPET_LENGTH): HighlightedText {
  const ranges = findMatches(text, terms)
  let start = ranges.length > 0 ? Math.max(0, ranges[0]!.start - LEAD_IN) : 0
  let end = Math.min(text.length, start + length)
  // Near the end of the text, show more before the match instead of a short excerpt.
  start = Math.max(0, Math.min(start, end - length))
  if (isLowSurrogate(text, start)) start -= 1
  if (isLowSurrogate(text, end)) end += 1

  const prefix = start > 0 ? ELLIPSIS : ''
  const suffix = end < text.length ? ELLIPSIS : ''
  // \s matches single UTF-16 units, so flattening line breaks keeps every offset in place.
  const body = text.slice(start, end).replace(/\s/g, ' ')
  const shift = prefix.length - start
  const matches = ranges
    .filter((r) => r.end > start && r.start < end)
    .map((r) => ({ start: Math.max(r.start, start) + shift, end: Math.min(r.end, end) + shift }))
  return { text: prefix + body + suffix, matches }
}

/** Case-insensitive occurrences of any term, sorted, overlapping ones merged. */
export function findMatches(text: string, terms: readonly string[]): Array<{ start: number; end: number }> {
  const haystack = foldCase(text)
  const found: Array<{ start: number; end: number }> = []
  for (const term of terms) {
    const needle = foldCase(term)
    if (needle === '') continue
    for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
      found.push({ start: at, end: at + needle.length })
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end)
  const merged: Array<{ start: number; end: number }> = []
  for (const range of found) {
    const last = merged.at(-1)
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end)
    else merged.push({ ...range })
  }
  return merged
}

/** Lower case with every offset unchanged: a character whose lower case has another length is kept as it is. */
function foldCase(text: string): string {
  const lower = text.toLowerCase()
  if (lower.length === text.length) return lower
  let folded = ''
  for (const char of text) {
    const l = char.toLowerCase()
    folded += l.length === char.length ? l : char
  }
  return folded
}

function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index)
  return code >= 0xdc00 && code <= 0xdfff
}
