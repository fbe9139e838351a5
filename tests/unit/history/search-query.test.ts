import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { findMatches, highlightSnippet, SNIPPET_LENGTH } from '../../../src-main/core/history/highlight-snippet'
import {
  MAX_QUERY_CHARS,
  MAX_QUERY_TERMS,
  ftsMatchExpression,
  likeContains,
  parseSearchTerms,
} from '../../../src-main/core/history/search-query'
import { unicodeText } from '../../support/unicode-text'

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

  it('keeps exactly MAX_QUERY_TERMS distinct terms, duplicates not counting towards the cap', () => {
    const terms = Array.from({ length: MAX_QUERY_TERMS + 1 }, (_, i) => `t${i}`)
    expect(parseSearchTerms(terms.slice(0, MAX_QUERY_TERMS).join(' ')).all).toEqual(terms.slice(0, MAX_QUERY_TERMS))
    expect(parseSearchTerms(['t0', 'T0', ...terms].join(' ')).all).toEqual(terms.slice(0, MAX_QUERY_TERMS))
  })

  it(`reads at most ${MAX_QUERY_CHARS} characters of the query, counted in code points`, () => {
    expect(parseSearchTerms('a'.repeat(MAX_QUERY_CHARS + 100)).all).toEqual(['a'.repeat(MAX_QUERY_CHARS)])
    // An emoji is one character: the cap neither halves a pair nor counts it twice.
    expect(parseSearchTerms('😀'.repeat(MAX_QUERY_CHARS + 100)).all).toEqual(['😀'.repeat(MAX_QUERY_CHARS)])
    // The term that crosses the cap is cut at it; one that starts past it is dropped.
    const head = 'x'.repeat(MAX_QUERY_CHARS - 2)
    expect(parseSearchTerms(`${head} abc`).all).toEqual([head, 'a'])
    expect(parseSearchTerms(`x${head} abc`).all).toEqual([`x${head}`])
  })

  it('drops a repeated term only when it is the same in lower case: ß and SS stay two terms', () => {
    // Upper case would fold 'straße' into 'STRASSE' and lose a term the user typed.
    expect(parseSearchTerms('straße STRASSE Straße').all).toEqual(['straße', 'STRASSE'])
  })

  it('treats a combining mark as a character of its own for the trigram length', () => {
    expect(parseSearchTerms('e\u0301')).toMatchObject({ indexed: [], short: ['e\u0301'] })
    expect(parseSearchTerms('e\u0301e')).toMatchObject({ indexed: ['e\u0301e'], short: [] })
  })

  it('yields whatever is typed as at most the capped number of clean, distinct terms from it (property)', () => {
    fc.assert(
      fc.property(unicodeText({ maxLength: 300 }), (query) => {
        const { all, indexed, short } = parseSearchTerms(query)
        const read = Array.from(query.replace(/\p{Cc}/gu, ' '))
          .slice(0, MAX_QUERY_CHARS)
          .join('')
        expect(all.length).toBeLessThanOrEqual(MAX_QUERY_TERMS)
        expect(new Set(all.map((t) => t.toLowerCase())).size).toBe(all.length)
        expect([...indexed, ...short].sort()).toEqual([...all].sort())
        for (const term of all) {
          expect(term).not.toBe('')
          expect(term).not.toMatch(/[\s\p{Cc}]/u)
          expect(read).toContain(term)
          expect(term).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/) // no pair cut in half
        }
        for (const term of indexed) expect(Array.from(term).length).toBeGreaterThanOrEqual(3)
        for (const term of short) expect(Array.from(term).length).toBeLessThan(3)
      }),
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

  it('writes any term as one FTS5 string that reads back as the term (property)', () => {
    fc.assert(
      fc.property(fc.array(unicodeText({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 4 }), (terms) => {
        const literal = '"((?:[^"]|"")*)"' // a quoted string whose quotes inside are doubled
        const read = ftsMatchExpression(terms).match(new RegExp(`^${terms.map(() => literal).join(' AND ')}$`, 'u'))
        expect(read?.slice(1).map((t) => t.replaceAll('""', '"'))).toEqual(terms)
      }),
    )
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
