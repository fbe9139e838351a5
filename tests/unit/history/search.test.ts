import { describe, expect, it } from 'vitest'
import type { HistoryStore } from '../../../src-main/core/history/history-store'
import type { HighlightedText, HistorySearchHit } from '../../../src-main/core/history/history-types'
import { MODELS, addAnsweredTurn, openTempStore } from './temp-history'

/** The marked parts of a snippet, as the UI would wrap them in <mark>. */
function marked(snippet: HighlightedText): string[] {
  return snippet.matches.map((m) => snippet.text.slice(m.start, m.end))
}

function describeHits(hits: HistorySearchHit[]): string[] {
  return hits.map((h) => `${h.kind}:${h.conversationTitle}:${marked(h.snippet).join('|')}`)
}

async function storeWith(
  conversations: Array<{ prompt: string; answers: string[] }>,
  options: { recentScanRows?: number } = {},
) {
  const { store, clock } = await openTempStore(options)
  conversations.forEach(({ prompt, answers }, i) => {
    const { id } = store.createConversation(prompt)
    addAnsweredTurn(store, id, prompt, `stream-${i}`, answers)
    clock.advance(1000)
  })
  return store
}

describe('history search', () => {
  let store: HistoryStore

  it('finds English words and substrings case-insensitively, newest first, prompts and answers', async () => {
    store = await storeWith([
      { prompt: 'What is the weather in Tokyo?', answers: ['The WEATHER in Tokyo is sunny.', 'Sunny and warm.'] },
      { prompt: 'Tell me a joke', answers: ['Weatherproof jokes are rare.'] },
      { prompt: 'Unrelated', answers: ['Nothing here.'] },
    ])
    const results = store.search('weather')
    expect(results.mode).toBe('full-text')
    expect(results.complete).toBe(true)
    expect(describeHits(results.hits)).toEqual([
      'answer:Tell me a joke:Weather',
      // Same turn: the prompt was sent at the same moment the answers started.
      'answer:What is the weather in Tokyo?:WEATHER',
      'prompt:What is the weather in Tokyo?:weather',
    ])
    const answerHit = results.hits.find((h) => h.kind === 'answer' && h.conversationTitle.startsWith('What'))!
    expect(answerHit).toMatchObject({ turnIndex: 0, answer: { modelId: 'llama3-2', modelLabel: 'Llama 3.2' } })
    expect(results.hits.find((h) => h.kind === 'prompt')!.answer).toBeUndefined()
    store.close()
  })

  it('needs every term, in any order', async () => {
    store = await storeWith([
      { prompt: 'a', answers: ['sunny weather in Tokyo today'] },
      { prompt: 'b', answers: ['rainy weather in Osaka'] },
    ])
    expect(describeHits(store.search('tokyo WEATHER').hits)).toEqual(['answer:a:weather|Tokyo'])
    expect(store.search('osaka sunny').hits).toEqual([])
    store.close()
  })

  it('finds Japanese text without spaces: 3+ characters through the index, 1–2 through the recent scan', async () => {
    store = await storeWith([
      { prompt: '今日の予定', answers: ['東京の天気は晴れです'] },
      { prompt: '別の話', answers: ['大阪は雨が降っています'] },
    ])
    const three = store.search('天気は')
    expect(three.mode).toBe('full-text')
    expect(describeHits(three.hits)).toEqual(['answer:今日の予定:天気は'])
    expect(three.hits[0]!.snippet).toEqual({ text: '東京の天気は晴れです', matches: [{ start: 3, end: 6 }] })

    const two = store.search('天気')
    expect(two.mode).toBe('recent-scan')
    expect(two.complete).toBe(true)
    expect(two.hits[0]!.snippet).toEqual({ text: '東京の天気は晴れです', matches: [{ start: 3, end: 5 }] })

    const one = store.search('雨')
    expect(describeHits(one.hits)).toEqual(['answer:別の話:雨'])
    // 'は' occurs in both answers: both found, newest first.
    expect(describeHits(store.search('は').hits)).toEqual(['answer:別の話:は', 'answer:今日の予定:は'])
    store.close()
  })

  it('combines an indexed term with a short one', async () => {
    store = await storeWith([
      { prompt: 'x', answers: ['Tokyo 天気 report'] },
      { prompt: 'y', answers: ['Tokyo news'] },
    ])
    expect(describeHits(store.search('tokyo 天気').hits)).toEqual(['answer:x:Tokyo|天気'])
    store.close()
  })

  it('treats FTS5 and LIKE syntax in queries as plain characters', async () => {
    store = await storeWith([
      { prompt: 'quotes', answers: ['He said "hello" to C++ fans: NEAR(a b) -x *star* ^caret'] },
      { prompt: 'percent', answers: ['I am 100% sure, file_name.txt'] },
      { prompt: 'numbers', answers: ['There are 1000 items, filexname'] },
    ])
    for (const query of [
      '"',
      '""',
      '"hello',
      'hello"',
      '*',
      'star*',
      'NEAR(a b)',
      'NEAR',
      '-x',
      'a:b',
      'AND',
      'OR',
      'NOT',
      '^caret',
      '(',
      ')',
      "'",
      '\\',
      '%',
      '_',
      '{}',
      'col:umn',
      '\u0000abc',
    ]) {
      expect(() => store.search(query), query).not.toThrow()
    }
    expect(describeHits(store.search('"hello"').hits)).toEqual(['answer:quotes:"hello"'])
    expect(describeHits(store.search('C++').hits)).toEqual(['answer:quotes:C++'])
    expect(describeHits(store.search('NEAR(a').hits)).toEqual(['answer:quotes:NEAR(a'])
    expect(describeHits(store.search('*star*').hits)).toEqual(['answer:quotes:*star*'])
    // LIKE wildcards are escaped in the short-query scan: '0%' is not "0 then anything", '_' is not "any character".
    expect(describeHits(store.search('0%').hits)).toEqual(['answer:percent:0%'])
    expect(describeHits(store.search('e_').hits)).toEqual(['answer:percent:e_'])
    expect(store.search('   ')).toEqual({ mode: 'empty', hits: [], complete: true })
    store.close()
  })

  it('keeps the index in step with the data: streaming answers appear when they end, deleted ones disappear', async () => {
    const opened = await openTempStore()
    store = opened.store
    const { id } = store.createConversation('first')
    store.addTurn(id, 'first', 's1', MODELS)
    store.appendAnswerProgress('s1', 'llama3-2', 'a streaming platypus')
    expect(store.search('platypus').hits).toEqual([])
    expect(store.search('pl').hits).toEqual([])
    store.finishAnswer('s1', 'llama3-2', { status: 'stopped', text: 'a stopped platypus' })
    expect(describeHits(store.search('platypus').hits)).toEqual(['answer:first:platypus'])
    expect(store.renameConversation(id, 'Renamed')).toBe(true)
    expect(store.search('platypus').hits[0]!.conversationTitle).toBe('Renamed')
    store.deleteConversation(id)
    expect(store.search('platypus').hits).toEqual([])
    expect(store.search('first').hits).toEqual([])
    store.close()
  })

  it('bounds the short-query scan to recent rows and says when it stopped early', async () => {
    store = await storeWith(
      Array.from({ length: 6 }, (_, i) => ({
        prompt: `prompt ${i}`,
        answers: [i === 0 ? 'old 猫 answer' : `answer ${i}`],
      })),
      { recentScanRows: 3 },
    )
    const short = store.search('猫')
    expect(short).toMatchObject({ mode: 'recent-scan', hits: [], complete: false })
    // The index has no such bound.
    expect(describeHits(store.search('old 猫').hits)).toEqual(['answer:prompt 0:old|猫'])
    // Pages filled from recent prompts and answers are a complete answer to "the newest matches".
    expect(store.search('r', { limit: 2 })).toMatchObject({ complete: true, hits: [{}, {}] })
    store.close()
  })

  it('returns at most `limit` hits, newest first', async () => {
    store = await storeWith(
      Array.from({ length: 30 }, (_, i) => ({ prompt: `question ${i}`, answers: [`common answer ${i}`] })),
    )
    const hits = store.search('common', { limit: 5 }).hits
    expect(hits.map((h) => h.conversationTitle)).toEqual([
      'question 29',
      'question 28',
      'question 27',
      'question 26',
      'question 25',
    ])
    expect(store.search('common').hits).toHaveLength(20)
    store.close()
  })
})
