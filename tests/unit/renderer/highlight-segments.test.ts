import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { highlightSegments } from '../../../src-renderer/src/format/highlight-segments'

const marked = (text: string, matches: Array<{ start: number; end: number }>) =>
  highlightSegments({ text, matches })
    .filter((segment) => segment.marked)
    .map((segment) => segment.text)

describe('highlightSegments', () => {
  it('cuts the snippet into plain and marked pieces', () => {
    expect(
      highlightSegments({
        text: '…the zephyr blows, zephyr again',
        matches: [
          { start: 5, end: 11 },
          { start: 19, end: 25 },
        ],
      }),
    ).toEqual([
      { text: '…the ', marked: false },
      { text: 'zephyr', marked: true },
      { text: ' blows, ', marked: false },
      { text: 'zephyr', marked: true },
      { text: ' again', marked: false },
    ])
  })

  it('marks Japanese text by its UTF-16 offsets', () => {
    expect(marked('東京の天気は晴れです', [{ start: 3, end: 5 }])).toEqual(['天気'])
  })

  it('handles matches at the edges, and no matches at all', () => {
    expect(highlightSegments({ text: 'abc', matches: [{ start: 0, end: 3 }] })).toEqual([{ text: 'abc', marked: true }])
    expect(highlightSegments({ text: 'abc', matches: [] })).toEqual([{ text: 'abc', marked: false }])
    expect(highlightSegments({ text: '', matches: [] })).toEqual([{ text: '', marked: false }])
  })

  it('sorts, merges overlapping or touching ranges, and drops empty, reversed and out-of-range ones', () => {
    const text = 'abcdefghij'
    expect(
      marked(text, [
        { start: 6, end: 8 },
        { start: 1, end: 3 },
        { start: 2, end: 5 },
        { start: 5, end: 6 },
      ]),
    ).toEqual(['bcdefgh'])
    expect(
      marked(text, [
        { start: 4, end: 4 },
        { start: 7, end: 2 },
      ]),
    ).toEqual([])
    expect(
      marked(text, [
        { start: -5, end: 2 },
        { start: 8, end: 99 },
      ]),
    ).toEqual(['ab', 'ij'])
    expect(
      marked(text, [
        { start: Number.NaN, end: 3 },
        { start: 20, end: 30 },
      ]),
    ).toEqual(['abc'])
  })

  it('never splits a surrogate pair', () => {
    const text = 'a😀b'
    expect(marked(text, [{ start: 2, end: 3 }])).toEqual(['😀'])
    expect(marked(text, [{ start: 0, end: 2 }])).toEqual(['a😀'])
  })

  it('always gives the text back whole, in order', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.array(fc.record({ start: fc.integer({ min: -5, max: 60 }), end: fc.integer({ min: -5, max: 60 }) }), {
          maxLength: 6,
        }),
        (text, matches) => {
          const segments = highlightSegments({ text, matches })
          expect(segments.map((segment) => segment.text).join('')).toBe(text)
          // Marked and plain pieces alternate: merged ranges never leave two marks side by side.
          for (let i = 1; i < segments.length; i++) expect(segments[i]!.marked && segments[i - 1]!.marked).toBe(false)
        },
      ),
    )
  })
})
