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
  const first = firstMatch(text, terms)
  let start = first !== undefined ? Math.max(0, first - LEAD_IN) : 0
  let end = Math.min(text.length, start + length)
  // Near the end of the text, show more before the match instead of a short excerpt.
  start = Math.max(0, Math.min(start, end - length))
  if (isLowSurrogate(text, start)) start -= 1
  if (isLowSurrogate(text, end)) end += 1

  const prefix = start > 0 ? ELLIPSIS : ''
  const suffix = end < text.length ? ELLIPSIS : ''
  // \s matches single UTF-16 units, so flattening line breaks keeps every offset in place.
  const body = text.slice(start, end).replace(/\s/g, ' ')
  // Matches are looked for only in the excerpt (and a term's length around it, for one that crosses its edge): a
  // megabyte answer costs what its 160 shown characters cost.
  const reach = Math.max(0, ...terms.map((term) => term.length))
  const from = Math.max(0, start - reach)
  const nearby = findMatches(text.slice(from, Math.min(text.length, end + reach)), terms)
  const shift = prefix.length - start
  const matches = nearby
    .map((r) => ({ start: r.start + from, end: r.end + from }))
    .filter((r) => r.end > start && r.start < end)
    .map((r) => ({ start: Math.max(r.start, start) + shift, end: Math.min(r.end, end) + shift }))
  return { text: prefix + body + suffix, matches }
}

/** Folded text is searched this many characters at a time, so a match near the start costs only its part. */
const FIRST_MATCH_CHUNK = 16 * 1024

/** Where the earliest match of any term starts, case-insensitively; undefined when none does. */
export function firstMatch(text: string, terms: readonly string[]): number | undefined {
  const needles = terms.map(foldCase).filter((needle) => needle !== '')
  if (needles.length === 0) return undefined
  const overlap = Math.max(...needles.map((needle) => needle.length)) - 1
  for (let from = 0; from < text.length; from += FIRST_MATCH_CHUNK) {
    // Each chunk reaches a term's length into the next, so a match across the seam is found in the first one.
    const chunk = foldCase(text.slice(from, from + FIRST_MATCH_CHUNK + overlap))
    let earliest: number | undefined
    for (const needle of needles) {
      const at = chunk.indexOf(needle)
      if (at !== -1 && at < FIRST_MATCH_CHUNK && (earliest === undefined || at < earliest)) earliest = at
    }
    if (earliest !== undefined) return from + earliest
  }
  return undefined
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
