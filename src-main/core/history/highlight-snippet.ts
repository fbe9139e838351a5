/**
 * A one-line excerpt of a message around its first match, with every match inside it as a range. Ranges are
 * computed here, not by FTS5's highlight(), so both search paths (index and recent scan) mark text the same way
 * and no marker characters are ever mixed into user text.
 */
import type { HighlightedText } from './history-types'
import { foldForSearch, isNfkcStable } from './search-fold'

export const SNIPPET_LENGTH = 160
/** Characters shown before the first match, so it reads in context. */
export const LEAD_IN = 40
const ELLIPSIS = '…'

/** When `text` is a window of a longer message: whether the message goes on before it and after it. */
export interface WindowEdges {
  moreBefore: boolean
  moreAfter: boolean
}

export function highlightSnippet(
  text: string,
  terms: readonly string[],
  length = SNIPPET_LENGTH,
  edges: WindowEdges = { moreBefore: false, moreAfter: false },
): HighlightedText {
  const first = firstMatch(text, terms)
  let start = first !== undefined ? Math.max(0, first - LEAD_IN) : 0
  let end = Math.min(text.length, start + length)
  // Near the end of the text, show more before the match instead of a short excerpt.
  start = Math.max(0, Math.min(start, end - length))
  if (isLowSurrogate(text, start)) start -= 1
  if (isLowSurrogate(text, end)) end += 1

  const prefix = start > 0 || edges.moreBefore ? ELLIPSIS : ''
  const suffix = end < text.length || edges.moreAfter ? ELLIPSIS : ''
  // \s matches single UTF-16 units, so flattening line breaks keeps every offset in place.
  const body = text.slice(start, end).replace(/\s/g, ' ')
  // Matches are looked for only in the excerpt (and a term's reach around it, for one that crosses its edge): a
  // megabyte answer costs what its 160 shown characters cost.
  const reach = reachOf(terms.map(foldForSearch))
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

/**
 * How far, in the message's own characters, a match of a folded needle can reach: folding can shrink text
 * (half-width ｶﾞ is one character, ガ) or grow it, so a window reaches well past the needle's folded length.
 */
export const reachOf = (needles: readonly string[]) => 4 * Math.max(0, ...needles.map((needle) => needle.length)) + 16

/** Where the earliest match of any term starts, folded as search folds (search-fold.ts); undefined when none does. */
export function firstMatch(text: string, terms: readonly string[]): number | undefined {
  const needles = terms.map(foldForSearch).filter((needle) => needle !== '')
  if (needles.length === 0) return undefined
  const overlap = reachOf(needles)
  for (let from = 0; from < text.length; from += FIRST_MATCH_CHUNK) {
    // Each chunk reaches past the next seam, so a match across it is found in the first one.
    const chunk = foldWithOffsets(text.slice(from, from + FIRST_MATCH_CHUNK + overlap))
    let earliest: number | undefined
    for (const needle of needles) {
      const at = chunk.text.indexOf(needle)
      if (at === -1) continue
      const rawAt = chunk.startOf(at)
      if (rawAt < FIRST_MATCH_CHUNK && (earliest === undefined || rawAt < earliest)) earliest = rawAt
    }
    if (earliest !== undefined) return from + earliest
  }
  return undefined
}

/** Occurrences of any term, folded as search folds, as ranges of `text`; sorted, overlapping ones merged. */
export function findMatches(text: string, terms: readonly string[]): Array<{ start: number; end: number }> {
  const haystack = foldWithOffsets(text)
  const found: Array<{ start: number; end: number }> = []
  for (const term of terms) {
    const needle = foldForSearch(term)
    if (needle === '') continue
    for (let at = haystack.text.indexOf(needle); at !== -1; at = haystack.text.indexOf(needle, at + needle.length)) {
      found.push({ start: haystack.startOf(at), end: haystack.endOf(at + needle.length - 1) })
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

interface FoldedText {
  text: string
  /** Where, in the original, the character that folded into this UTF-16 unit of `text` starts. */
  startOf(index: number): number
  /** Where it ends (one past its last unit). */
  endOf(index: number): number
}

/** A character with the marks that fold into it (combining marks, half-width katakana's voicing marks). */
const CLUSTER = /[\s\S][\p{M}\uFF9E\uFF9F]*/gu

/**
 * The text folded, with the way back to its offsets. Most text is already in NFKC with a lower case of the same
 * length, and maps one to one; otherwise each character is folded with its marks and remembers where it was.
 */
function foldWithOffsets(text: string): FoldedText {
  const lower = text.toLowerCase()
  if (lower.length === text.length && isNfkcStable(text)) {
    return { text: lower, startOf: (index) => index, endOf: (index) => index + 1 }
  }
  let folded = ''
  const starts: number[] = []
  const ends: number[] = []
  for (const cluster of text.matchAll(CLUSTER)) {
    const piece = foldForSearch(cluster[0])
    folded += piece
    for (let i = 0; i < piece.length; i++) {
      starts.push(cluster.index)
      ends.push(cluster.index + cluster[0].length)
    }
  }
  return { text: folded, startOf: (index) => starts[index]!, endOf: (index) => ends[index]! }
}

function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index)
  return code >= 0xdc00 && code <= 0xdfff
}
