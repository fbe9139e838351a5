/**
 * One folding for every query length (issue 19): 1–2 character terms, which the trigram index cannot look up and
 * the recent scan checks, fold exactly as 3+ character terms through the index do: case (beyond ASCII too) and
 * full/half width (NFKC: ＡＢＣ/ａｂｃ/１２３ are ABC/abc/123, half-width ｶﾀｶﾅ is カタカナ). Also the migration that
 * re-indexes an existing history folded.
 */
import { describe, expect, it } from 'vitest'
import { HISTORY_MIGRATIONS } from '../../../src-main/core/history/history-migrations'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import type { HighlightedText } from '../../../src-main/core/history/history-types'
import { foldForSearch, isNfkcStable } from '../../../src-main/core/history/search-fold'
import { addAnsweredTurn, openTempStore, startedClock, tempHistoryPath } from './temp-history'

const marked = (snippet: HighlightedText) => snippet.matches.map((m) => snippet.text.slice(m.start, m.end))

/** One conversation per text, each answered with it; titles are the texts' names. */
const TEXTS = {
  latin: 'Plain ASCII: abc 123 Tokyo',
  fullWidth: 'Full width: ＡＢＣ １２３ Ｔｏｋｙｏ',
  katakana: '全角のカタカナでテストします',
  halfKatakana: 'ﾊﾝｶｸのｶﾀｶﾅでﾃｽﾄします',
  greek: 'ΣΟΦΙΑ ΩΜΕΓΑ',
  unrelated: 'nothing to see',
}

async function storeWithTexts(): Promise<HistoryStore> {
  const { store, clock } = await openTempStore()
  for (const [name, text] of Object.entries(TEXTS)) {
    const { id } = store.createConversation(name)
    addAnsweredTurn(store, id, `prompt for ${name}`, `stream-${name}`, [text])
    clock.advance(1000)
  }
  return store
}

/** The conversations whose answer matched, in a stable order, with what the excerpt marked. */
function found(store: HistoryStore, query: string): string[] {
  return store
    .search(query)
    .hits.filter((hit) => hit.kind === 'answer')
    .map((hit) => `${hit.conversationTitle}:${marked(hit.snippet).join('|')}`)
    .sort()
}

describe('search folds case and width the same for every query length', () => {
  it.each([
    // [query, its length, expected hits]: ASCII queries find the full-width text and the other way round.
    // 'Plain ASCII: abc' holds three: each marked as written.
    ['a', 1, ['fullWidth:Ａ', 'latin:a|A|a']],
    ['Ａ', 1, ['fullWidth:Ａ', 'latin:a|A|a']],
    ['AB', 2, ['fullWidth:ＡＢ', 'latin:ab']],
    ['ａｂ', 2, ['fullWidth:ＡＢ', 'latin:ab']],
    ['abc', 3, ['fullWidth:ＡＢＣ', 'latin:abc']],
    ['ＡＢＣ', 3, ['fullWidth:ＡＢＣ', 'latin:abc']],
    ['12', 2, ['fullWidth:１２', 'latin:12']],
    ['１２３', 3, ['fullWidth:１２３', 'latin:123']],
    ['TOKYO', 5, ['fullWidth:Ｔｏｋｙｏ', 'latin:Tokyo']],
    ['ｔｏｋｙｏ', 5, ['fullWidth:Ｔｏｋｙｏ', 'latin:Tokyo']],
  ])('English %s (%i characters)', async (query, _length, expected) => {
    const store = await storeWithTexts()
    expect(found(store, query)).toEqual(expected)
    store.close()
  })

  it.each([
    // Half-width katakana folds into full-width: ｶﾀ and カタ are the same two characters.
    ['カ', 1, ['halfKatakana:ｶ|ｶ|ｶ', 'katakana:カ|カ']],
    ['ｶ', 1, ['halfKatakana:ｶ|ｶ|ｶ', 'katakana:カ|カ']],
    ['カタ', 2, ['halfKatakana:ｶﾀ', 'katakana:カタ']],
    ['ｶﾀ', 2, ['halfKatakana:ｶﾀ', 'katakana:カタ']],
    ['カタカ', 3, ['halfKatakana:ｶﾀｶ', 'katakana:カタカ']],
    ['ｶﾀｶﾅ', 4, ['halfKatakana:ｶﾀｶﾅ', 'katakana:カタカナ']],
    ['テスト', 3, ['halfKatakana:ﾃｽﾄ', 'katakana:テスト']],
    ['ﾃｽﾄします', 6, ['halfKatakana:ﾃｽﾄします', 'katakana:テストします']],
  ])('Japanese %s (%i characters)', async (query, _length, expected) => {
    const store = await storeWithTexts()
    expect(found(store, query)).toEqual(expected)
    store.close()
  })

  it.each([
    ['σ', 1],
    ['ΣΟ', 2],
    ['σοφ', 3],
    ['ωμεγα', 5],
  ])('non-ASCII case: %s (%i characters) finds the capitals', async (query) => {
    const store = await storeWithTexts()
    expect(found(store, query)).toHaveLength(1)
    expect(found(store, query)[0]).toMatch(/^greek:/)
    store.close()
  })

  it('folds a voiced half-width katakana into one character, as the index holds it', async () => {
    const { store } = await openTempStore()
    const { id } = store.createConversation('voiced')
    addAnsweredTurn(store, id, 'prompt', 'stream-voiced', ['ｶﾞｲﾄﾞを読む'])
    // ｶﾞ is two characters typed, one (ガ) folded: a 2-character query of 4 typed ones goes through the scan.
    expect(store.search('ガイ').hits.map((hit) => marked(hit.snippet))).toEqual([['ｶﾞｲ']])
    expect(store.search('ｶﾞｲﾄﾞ').hits.map((hit) => marked(hit.snippet))).toEqual([['ｶﾞｲﾄﾞ']])
    expect(store.search('ガイド').hits).toHaveLength(1)
    store.close()
  })

  it('folds prompts as it folds answers', async () => {
    const store = await storeWithTexts()
    const prompts = (query: string) =>
      store
        .search(query)
        .hits.filter((hit) => hit.kind === 'prompt')
        .map((hit) => hit.conversationTitle)
    expect(prompts('ＰＲＯＭＰＴ ｆｏｒ ｌａｔｉｎ')).toEqual(['latin'])
    expect(prompts('ＬＡ ｉｎ')).toEqual(['latin'])
    store.close()
  })
})

describe('the folded-search migration', () => {
  it('re-indexes an existing history folded, so its old messages fold like new ones', async () => {
    const path = tempHistoryPath()
    const folded = HISTORY_MIGRATIONS.findIndex((m) => m.description.includes('folded'))
    expect(folded).toBeGreaterThan(0)
    const before = await HistoryStore.open(path, {
      clock: startedClock(),
      migrations: HISTORY_MIGRATIONS.slice(0, folded),
    })
    const { id } = before.createConversation('old')
    addAnsweredTurn(before, id, 'ＦＵＬＬ width prompt', 'stream-old', ['ﾊﾝｶｸ answer'])
    // Indexed unfolded before the migration: the half-width text is not found by its full-width form.
    expect(before.search('ハンカク').hits).toEqual([])
    before.close()

    const after = await HistoryStore.open(path, { clock: startedClock() })
    expect(after.search('ハンカク').hits.map((hit) => hit.kind)).toEqual(['answer'])
    expect(after.search('full').hits.map((hit) => hit.kind)).toEqual(['prompt'])
    // Written after it: indexed folded by the triggers.
    const { id: newer } = after.createConversation('new')
    addAnsweredTurn(after, newer, 'prompt', 'stream-new', ['ＮＥＷ ﾃｷｽﾄ'])
    expect(after.search('new テキスト').hits.map((hit) => hit.conversationTitle)).toEqual(['new'])
    after.close()
  })
})

describe('foldForSearch', () => {
  it('is NFKC then lower case, whether or not the text needs normalizing', () => {
    const samples = [
      'Plain ASCII',
      '東京の天気は晴れです。',
      'ﾊﾝｶｸ ＡＢＣ',
      'ガイド ヴ ヾ',
      '한국어 텍스트',
      'Ω ㍿ ﬁ',
      'x\u3000y',
    ]
    for (const text of samples) expect(foldForSearch(text)).toBe(text.normalize('NFKC').toLowerCase())
    // The characters the fast path passes over unchanged are all NFKC-stable.
    for (let code = 0; code < 0xd800; code++) {
      const char = String.fromCharCode(code)
      if (isNfkcStable(char)) expect(char.normalize('NFKC')).toBe(char)
    }
  })
})
