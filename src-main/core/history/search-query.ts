/**
 * What the user typed, turned into terms that every hit must contain (as substrings, case-insensitively), and
 * into safely escaped FTS5 and LIKE operands. Nothing the user types is FTS5 syntax: each term is one quoted
 * string, so `*`, `"`, `-`, `:`, `^`, `(`, NEAR, AND, OR and NOT are just characters to look for.
 */

import { foldForSearch } from './search-fold'

/** The trigram tokenizer indexes 3-character sequences; shorter terms cannot be looked up in it. */
export const TRIGRAM_LENGTH = 3
export const MAX_QUERY_CHARS = 200
export const MAX_QUERY_TERMS = 8

export interface SearchTerms {
  /** Every term, in the order typed (duplicates removed). */
  all: string[]
  /** Terms of 3+ characters: answered by the full-text index. */
  indexed: string[]
  /** Terms of 1–2 characters: checked with LIKE on the rows the index (or the recent scan) yields. */
  short: string[]
}

export function parseSearchTerms(query: string): SearchTerms {
  // Control characters (NUL included) are never part of a meaningful query; code points, so no pair is split.
  const cleaned = Array.from(query.replace(/\p{Cc}/gu, ' '))
    .slice(0, MAX_QUERY_CHARS)
    .join('')
  const seen = new Set<string>()
  const all: string[] = []
  for (const term of cleaned.split(/\s+/u)) {
    const key = term.toLowerCase()
    if (term === '' || seen.has(key)) continue
    seen.add(key)
    all.push(term)
    if (all.length === MAX_QUERY_TERMS) break
  }
  const isIndexed = (term: string) => Array.from(term).length >= TRIGRAM_LENGTH
  return { all, indexed: all.filter(isIndexed), short: all.filter((t) => !isIndexed(t)) }
}

/**
 * The terms as search looks them up: the query folded (search-fold.ts) before it is split and measured, so a term
 * is indexed or short by its folded length (half-width ｶﾞ is one character, ガ, as the index holds it).
 */
export function foldedSearchTerms(query: string): SearchTerms {
  return parseSearchTerms(foldForSearch(query))
}

/** `"term one" AND "te""rm"`: FTS5 string literals, quotes doubled; with trigram, each is a substring match. */
export function ftsMatchExpression(terms: readonly string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' AND ')
}

/** A `LIKE ? ESCAPE '\'` operand that matches the term anywhere (case-insensitive for ASCII only, as SQLite's LIKE). */
export function likeContains(term: string): string {
  return `%${term.replace(/[\\%_]/g, '\\$&')}%`
}
