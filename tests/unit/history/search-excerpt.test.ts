/**
 * Search reads a hit's excerpt from a window around its match (SQLite locates it) instead of copying the whole
 * message into JavaScript: the excerpt must be exactly the one highlighting the whole message gives, wherever the
 * match is (start, middle, end), with emoji (two UTF-16 units, one SQLite character) before it, and when only
 * folding finds it.
 */
import { describe, expect, it } from 'vitest'
import { highlightSnippet } from '../../../src-main/core/history/highlight-snippet'
import { plainSnippet } from '../../../src-main/core/history/plain-snippet'
import { foldedSearchTerms } from '../../../src-main/core/history/search-query'
import { addAnsweredTurn, openTempStore } from './temp-history'

const filler = (n: number) => 'lorem ipsum dolor '.repeat(Math.ceil(n / 18)).slice(0, n)

const TEXTS = [
  `Weather first. ${filler(50_000)}`,
  `${filler(30_000)} the WEATHER in the middle ${filler(30_000)}`,
  `${filler(60_000)} weather at the very end`,
  `${'😀'.repeat(5_000)}${filler(1_000)} weather after emoji ${'🌧'.repeat(300)}`,
  `${filler(20_000)} ＷＥＡＴＨＥＲ only folding finds ${filler(20_000)}`,
  `${filler(20_000)} ｗｅａｔｈｅｒ before weather ${filler(20_000)}`,
  'weather',
]

describe('the excerpt of a search hit in a long message', () => {
  it('is the one highlighting the whole message gives, wherever the match is', async () => {
    const { store, clock } = await openTempStore()
    TEXTS.forEach((text, i) => {
      const { id } = store.createConversation(`text ${i}`)
      addAnsweredTurn(store, id, `prompt ${i}`, `stream-${i}`, [text])
      clock.advance(1000)
    })
    for (const query of ['weather', 'WEATHER the', 'we']) {
      const terms = foldedSearchTerms(query).all
      const hits = store.search(query, { limit: 100 }).hits.filter((hit) => hit.kind === 'answer')
      expect(hits.length).toBeGreaterThan(0)
      for (const hit of hits) {
        const text = TEXTS[Number(hit.conversationTitle.split(' ')[1])]!
        expect(hit.snippet, `${query} in ${hit.conversationTitle}`).toEqual(plainSnippet(highlightSnippet(text, terms)))
      }
    }
    store.close()
  })
})
