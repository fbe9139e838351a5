import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { highlightSnippet } from '../../../src-main/core/history/highlight-snippet'
import { plainSnippet } from '../../../src-main/core/history/plain-snippet'
import { openTempStore, MODELS } from './temp-history'

const marked = (snippet: { text: string; matches: Array<{ start: number; end: number }> }) =>
  snippet.matches.map((m) => snippet.text.slice(m.start, m.end))

describe('plainSnippet', () => {
  it('reads a markdown answer as text: no emphasis, code, heading or quote marks, the match still marked', () => {
    const answer = '## Setup\n\n> Note: use **DuckDB** with `sql_query()`, *fast*.\n\n### Next\nMore DuckDB.'
    const snippet = plainSnippet(highlightSnippet(answer, ['duckdb']))
    expect(snippet.text).toBe('Setup Note: use DuckDB with sql_query(), fast. Next More DuckDB.')
    expect(marked(snippet)).toEqual(['DuckDB', 'DuckDB'])
  })

  it('keeps the searched words exactly, marks and all, whatever the text', () => {
    const pieces = fc.constantFrom('**', '`', '## ', '> ', ' ', 'word', '東京', '😀', '*', '#', 'a_b', '\n')
    fc.assert(
      fc.property(
        fc.array(pieces, { maxLength: 60 }),
        fc.constantFrom('word', '**', '東京', '# ', 'a_b'),
        (parts, term) => {
          const before = highlightSnippet(parts.join(''), [term])
          const after = plainSnippet(before)
          expect(marked(after)).toEqual(marked(before))
          expect(after.text).not.toMatch(/ {2}/)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('is what search hits show', async () => {
    const { store } = await openTempStore()
    const { id } = store.createConversation('markdown')
    store.addTurn(id, 'markdown', 'stream-md', MODELS.slice(0, 1))
    store.finishAnswer('stream-md', 'llama3-2', { status: 'complete', text: '# Title\n\nUse **DuckDB** here.' })
    const [hit] = store.search('duckdb').hits
    expect(hit?.snippet).toEqual({ text: 'Title Use DuckDB here.', matches: [{ start: 10, end: 16 }] })
    store.close()
  })
})
