import { describe, expect, it } from 'vitest'
import { findMatches, highlightSnippet, SNIPPET_LENGTH } from '../../../src-main/core/history/highlight-snippet'
import {
  MAX_QUERY_TERMS,
  ftsMatchExpression,
  likeContains,
  parseSearchTerms,
} from '../../../src-main/core/history/search-query'

describe('parseSearchTerms', () => {
  it('splits on whitespace, drops duplicates (any case) and control characters, and separates 3+ character terms from shorter ones', () => {
    expect(parseSearchTerms('  Tokyo  天気 tokyo\tweather\u0000x ')).toEqual({
      all: ['Tokyo', '天気', 'weather', 'x'],
      indexed: ['Tokyo', 'weather'],
      short: ['天気', 'x'],
    })
  })

  it('counts characters, not UTF-16 units: two emoji are a short term', () => {
    expect(parseSearchTerms('😀😀')).toMatchObject({ indexed: [], short: ['😀😀'] })
    expect(parseSearchTerms('😀😀😀')).toMatchObject({ indexed: ['😀😀😀'], short: [] })
  })

  it('caps the number of terms', () => {
    expect(parseSearchTerms(Array.from({ length: 20 }, (_, i) => `term${i}`).join(' ')).all).toHaveLength(
      MAX_QUERY_TERMS,
    )
  })
})

describe('query escaping', () => {
  it('makes every term one FTS5 string, doubling quotes', () => {
    expect(ftsMatchExpression(['say', '"hi"', 'NEAR(a', '-x:y*'])).toBe('"say" AND """hi""" AND "NEAR(a" AND "-x:y*"')
  })

  it('escapes LIKE wildcards and the escape character', () => {
    expect(likeContains('100%_\\')).toBe('%100\\%\\_\\\\%')
  })
})

describe('highlightSnippet', () => {
  it('marks every occurrence of every term, case-insensitively, merging overlaps', () => {
    const snippet = highlightSnippet('Tokyo tokyo TOKYOTO', ['tokyo', 'kyoto'])
    expect(snippet.text).toBe('Tokyo tokyo TOKYOTO')
    expect(snippet.matches).toEqual([
      { start: 0, end: 5 },
      { start: 6, end: 11 },
      { start: 12, end: 19 },
    ])
  })

  it('centres a late match with an ellipsis on each cut side, offsets counted in the returned text', () => {
    const text = `${'a'.repeat(500)} needle ${'b'.repeat(500)}`
    const snippet = highlightSnippet(text, ['NEEDLE'])
    expect(snippet.text.startsWith('…')).toBe(true)
    expect(snippet.text.endsWith('…')).toBe(true)
    expect(snippet.text.length).toBe(SNIPPET_LENGTH + 2)
    expect(snippet.matches).toHaveLength(1)
    const [match] = snippet.matches
    expect(snippet.text.slice(match!.start, match!.end)).toBe('needle')
    expect(match!.start).toBe(41)
  })

  it('shows more before a match at the very end instead of a short excerpt', () => {
    const snippet = highlightSnippet(`${'x'.repeat(300)}end`, ['end'])
    expect(snippet.text).toBe(`…${'x'.repeat(SNIPPET_LENGTH - 3)}end`)
    expect(snippet.matches).toEqual([{ start: SNIPPET_LENGTH - 2, end: SNIPPET_LENGTH + 1 }])
  })

  it('flattens line breaks without moving offsets, and never cuts a surrogate pair', () => {
    expect(highlightSnippet('line one\nline two', ['two'])).toEqual({
      text: 'line one line two',
      matches: [{ start: 14, end: 17 }],
    })
    const emoji = '😀'.repeat(200)
    for (const length of [159, 160, 161]) {
      const { text } = highlightSnippet(emoji, [], length)
      expect(text.replace('…', '')).toMatch(/^(?:😀)+$/u)
    }
  })

  it('returns the start of the text and no ranges when no term is found', () => {
    expect(highlightSnippet('short text', ['absent'])).toEqual({ text: 'short text', matches: [] })
  })

  it('keeps offsets aligned when a character changes length in lower case', () => {
    // 'İ'.toLowerCase() is two UTF-16 units; the fold keeps it as it is so later offsets stay right.
    const text = 'İstanbul weather'
    expect(findMatches(text, ['WEATHER'])).toEqual([{ start: 9, end: 16 }])
  })
})
