/**
 * Where a search's words occur in a text, for marking them in an opened conversation: the query's words (quotes
 * dropped), matched case-insensitively, leftmost first and the longer word first where two start together, never
 * overlapping. Offsets are UTF-16 indexes into `text`.
 */
const MAX_TERMS = 10
const MAX_TERM_CHARS = 200

export interface TextMatch {
  start: number
  end: number
}

export function searchTerms(query: string): string[] {
  const words = query
    .split(/\s+/)
    .map((word) => word.replace(/^["'“「]+|["'”」]+$/gu, ''))
    .filter((word) => word !== '' && word.length <= MAX_TERM_CHARS)
  return [...new Set(words)].slice(0, MAX_TERMS)
}

export function matchOffsets(text: string, terms: readonly string[]): TextMatch[] {
  const lower = text.toLowerCase()
  // Lower-casing that changes a text's length (a few letters do) would shift offsets: match exactly then.
  const folded = lower.length === text.length
  const haystack = folded ? lower : text
  const needles = terms
    .map((term) => (folded ? term.toLowerCase() : term))
    .filter((term) => term !== '')
    .sort((a, b) => b.length - a.length)
  const matches: TextMatch[] = []
  let at = 0
  while (at < haystack.length) {
    let best: TextMatch | undefined
    for (const needle of needles) {
      const start = haystack.indexOf(needle, at)
      if (start !== -1 && (best === undefined || start < best.start)) best = { start, end: start + needle.length }
    }
    if (!best) break
    matches.push(best)
    at = best.end
  }
  return matches
}
