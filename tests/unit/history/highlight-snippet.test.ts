/**
 * The excerpt looks for matches only near where it is cut from the text; these tests hold it to what searching the
 * whole text gives (the reference below), on text with emoji, combining marks, case pairs that change length
 * (İ, ẞ) and terms across the chunk seams of the first-match scan.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  findMatches,
  firstMatch,
  highlightSnippet,
  SNIPPET_LENGTH,
} from '../../../src-main/core/history/highlight-snippet'

/** The excerpt as computed from every match in the whole text (the implementation before windowing). */
function reference(text: string, terms: readonly string[], length = SNIPPET_LENGTH) {
  const ranges = findMatches(text, terms)
  let start = ranges.length > 0 ? Math.max(0, ranges[0]!.start - 40) : 0
  let end = Math.min(text.length, start + length)
  start = Math.max(0, Math.min(start, end - length))
  const low = (i: number) => text.charCodeAt(i) >= 0xdc00 && text.charCodeAt(i) <= 0xdfff
  if (low(start)) start -= 1
  if (low(end)) end += 1
  const prefix = start > 0 ? '…' : ''
  const suffix = end < text.length ? '…' : ''
  const shift = prefix.length - start
  const matches = ranges
    .filter((r) => r.end > start && r.start < end)
    .map((r) => ({ start: Math.max(r.start, start) + shift, end: Math.min(r.end, end) + shift }))
  return { text: prefix + text.slice(start, end).replace(/\s/g, ' ') + suffix, matches }
}

const pieces = fc.constantFrom('a', 'B', 'the ', 'THE', 'İ', 'ẞ', 'é', 'e\u0301', '😀', '東京', '天気', ' ', '\n', 'x')
const textOf = (size: number) => fc.array(pieces, { maxLength: size }).map((parts) => parts.join(''))

describe('highlightSnippet', () => {
  it('marks the same excerpt as searching the whole text would', () => {
    fc.assert(
      fc.property(
        textOf(400),
        fc.array(fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }), pieces), {
          minLength: 1,
          maxLength: 3,
        }),
        (text, terms) => {
          expect(highlightSnippet(text, terms)).toEqual(reference(text, terms))
        },
      ),
      { numRuns: 500 },
    )
  })

  it('finds the first match across the seams of its chunks, far into a long text', () => {
    for (const at of [16 * 1024 - 2, 16 * 1024 - 1, 16 * 1024, 40_000, 1_000_000]) {
      const text = 'y'.repeat(at) + 'Xylophone😀' + 'z'.repeat(100)
      expect(firstMatch(text, ['xyloPHONE😀'])).toBe(at)
      expect(highlightSnippet(text, ['xylophone😀'])).toEqual(reference(text, ['xylophone😀']))
    }
    expect(firstMatch('no match here', ['absent'])).toBeUndefined()
  })
})
