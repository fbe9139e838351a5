import { describe, expect, it } from 'vitest'
import { matchOffsets, searchTerms } from '../../../src-renderer/src/format/match-offsets'

const marked = (text: string, terms: string[]) =>
  matchOffsets(text, terms).map(({ start, end }) => text.slice(start, end))

describe('searchTerms', () => {
  it('splits the query into its words, quotes dropped, each once', () => {
    expect(searchTerms('  "DuckDB"  vs   sqlite DuckDB ')).toEqual(['DuckDB', 'vs', 'sqlite'])
    expect(searchTerms('「天気」')).toEqual(['天気'])
    expect(searchTerms('   ')).toEqual([])
    expect(searchTerms(Array.from({ length: 20 }, (_, i) => `w${i}`).join(' '))).toHaveLength(10)
    expect(searchTerms('x'.repeat(201))).toEqual([])
  })
})

describe('matchOffsets', () => {
  it('finds every occurrence, whatever the case, without overlaps, the longer word first', () => {
    expect(marked('DuckDB and duckdb; DUCKDB!', ['duckdb'])).toEqual(['DuckDB', 'duckdb', 'DUCKDB'])
    expect(marked('the thermometer', ['the', 'thermo'])).toEqual(['the', 'thermo'])
    expect(marked('aaaa', ['aa'])).toEqual(['aa', 'aa'])
    expect(matchOffsets('東京の天気は晴れ。天気', ['天気'])).toEqual([
      { start: 3, end: 5 },
      { start: 9, end: 11 },
    ])
  })

  it('keeps offsets right in texts with astral characters, and matches exactly where lower-casing changes length', () => {
    expect(marked('😀 zephyr 😀 Zephyr', ['zephyr'])).toEqual(['zephyr', 'Zephyr'])
    // 'İ' lower-cases to two code units: case-insensitive matching would shift every offset after it.
    expect(marked('İstanbul zephyr Zephyr', ['zephyr'])).toEqual(['zephyr'])
  })

  it('finds nothing for no words or no occurrence', () => {
    expect(matchOffsets('text', [])).toEqual([])
    expect(matchOffsets('text', [''])).toEqual([])
    expect(matchOffsets('text', ['absent'])).toEqual([])
  })
})
