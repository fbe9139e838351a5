/**
 * One folding for every search, whatever the query's length: NFKC (full-width ＡＢＣ/１２３ read as ABC/123,
 * half-width ｶﾀｶﾅ as カタカナ) and then lower case. The full-text index holds each message folded and is queried
 * with folded terms; the 1–2 character scan, the check of short terms on indexed hits and the excerpt's marks
 * fold the same way, so a query finds the same messages at any length.
 *
 * The index's triggers call `streamdesk_fold`, so every connection that writes prompts or answers registers it
 * (the store's, a salvage target's, the import worker's): `registerSearchFolding`.
 */
import type { Database } from 'better-sqlite3'

export const FOLD_FUNCTION = 'streamdesk_fold'
export const CONTAINS_FUNCTION = 'streamdesk_contains'

/**
 * Text made only of characters NFKC leaves as they are (ASCII, hiragana, full-width katakana, CJK ideographs,
 * Hangul syllables, 、 and 。): most messages. Testing for it costs a fraction of normalizing a megabyte answer.
 */
// eslint-disable-next-line no-control-regex -- ASCII control characters are NFKC-stable too
const NFKC_STABLE = /^[\u0000-\u007f\u3001\u3002\u3041-\u3096\u30a1-\u30fa\u30fc-\u30fe\u4e00-\u9fff\uac00-\ud7a3]*$/

export function isNfkcStable(text: string): boolean {
  return NFKC_STABLE.test(text)
}

export function foldForSearch(text: string): string {
  return (isNfkcStable(text) ? text : text.normalize('NFKC')).toLowerCase()
}

/** Whether `text`, folded, contains `foldedNeedle` (already folded): the plain check first, as it mostly answers. */
export function containsFolded(text: string, foldedNeedle: string): boolean {
  return text.includes(foldedNeedle) || foldForSearch(text).includes(foldedNeedle)
}

export function registerSearchFolding(db: Database): void {
  db.function(FOLD_FUNCTION, { deterministic: true }, (text: unknown) =>
    typeof text === 'string' ? foldForSearch(text) : (text as null),
  )
  db.function(CONTAINS_FUNCTION, { deterministic: true }, (text: unknown, needle: unknown) =>
    typeof text === 'string' && typeof needle === 'string' && containsFolded(text, needle) ? 1 : 0,
  )
}
