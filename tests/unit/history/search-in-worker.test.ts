/**
 * Search runs in a worker thread on its own read-only connection (issue 19: the full-text query over megabyte
 * answers held the main process 0.4–1.3 s). Its results must be exactly those of the search on the store's own
 * thread, on a generated corpus of mixed scripts, widths and cases; a worker that cannot run fails the search with
 * a plain message, and the next search starts a new one.
 */
import { describe, expect, it } from 'vitest'
import { HistorySearchError, SearchWorker } from '../../../src-main/core/history/search-in-worker'
import { HISTORY_MIGRATIONS } from '../../../src-main/core/history/history-migrations'
import { addAnsweredTurn, openTempStore, tempHistoryPath } from './temp-history'

const WORDS = ['東京', 'の天気', 'は晴れ', 'ＡＢＣ', 'abc', 'ｶﾀｶﾅ', 'カタカナ', 'ΣΟΦΙΑ', 'σοφία', 'weather', 'Weather']
const WORDS_MORE = ['const x = 1;', 'naïve', 'café', '🙂 emoji', 'database', 'DataBase', '１２３', '123', 'sunny']

/** A deterministic corpus: each message draws words by a small linear congruential generator. */
function corpusText(seed: number, words: number): string {
  const all = [...WORDS, ...WORDS_MORE]
  let state = seed
  const picked: string[] = []
  for (let i = 0; i < words; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31
    picked.push(all[state % all.length]!)
  }
  return picked.join(' ')
}

const QUERIES = [
  'weather',
  'WEATHER',
  'ａｂｃ',
  'ABC',
  'ｶﾀｶﾅ',
  'カタカナ',
  'σοφ',
  'ΣΟΦ',
  '東京',
  '東',
  'は',
  'ab',
  '12',
  '１２３',
  'café',
  '🙂',
  'const x',
  'database sunny',
  'naïve weather',
  'nothing-like-this',
  '"exact phrase"',
  'x',
]

describe('search in a worker thread', () => {
  it('finds exactly what the search on the store thread finds, excerpts included', async () => {
    const { store, clock } = await openTempStore()
    for (let i = 0; i < 60; i++) {
      const { id } = store.createConversation(`conversation ${i}`)
      addAnsweredTurn(store, id, corpusText(i + 1, 6), `stream-${i}`, [
        corpusText(i + 1000, 40 + (i % 7) * 200),
        corpusText(i + 5000, 30),
      ])
      clock.advance(1000)
    }
    for (const query of QUERIES) {
      for (const limit of [5, 20, 100]) {
        const onThread = store.search(query, { limit })
        expect(await store.searchOffThread(query, { limit }), `${query} (limit ${limit})`).toEqual(onThread)
      }
    }
    // Queries that find something exercise the comparison (not only empty results).
    expect(store.search('カタカナ').hits.length).toBeGreaterThan(0)
    expect(store.search('は').hits.length).toBeGreaterThan(0)
    // A change on the store's connection is seen by the worker's next search.
    const { id } = store.createConversation('late one')
    addAnsweredTurn(store, id, 'zebra crossing', 'stream-late', ['a zebra answer'])
    expect((await store.searchOffThread('zebra')).hits).toHaveLength(2)
    store.close()
  })

  it('keeps the event loop turning while it searches megabyte answers', async () => {
    const { store, clock } = await openTempStore()
    for (let i = 0; i < 6; i++) {
      const { id } = store.createConversation(`big ${i}`)
      addAnsweredTurn(store, id, `prompt ${i}`, `stream-${i}`, ['the weather is fine. '.repeat(50_000)])
      clock.advance(1000)
    }
    await store.searchOffThread('warm up')
    let turns = 0
    const ticker = setInterval(() => (turns += 1), 1)
    const results = await store.searchOffThread('weather fine')
    clearInterval(ticker)
    expect(results).toEqual(store.search('weather fine'))
    expect(results.hits).toHaveLength(6)
    expect(turns).toBeGreaterThan(0)
    store.close()
  })

  it('fails a search plainly when its worker stops, and starts a new worker for the next one', async () => {
    const path = tempHistoryPath()
    // No file there yet: the worker fails to open it and stops, as a crashed worker would.
    const worker = new SearchWorker({
      filePath: path,
      schemaVersion: HISTORY_MIGRATIONS.at(-1)!.version,
      busyTimeoutMs: 1000,
      recentScanRows: 100,
    })
    const failed = worker.search('weather', 20)
    await expect(failed).rejects.toBeInstanceOf(HistorySearchError)
    await expect(failed).rejects.toThrow(/^The search stopped unexpectedly \(.*\); try again\.$/)
    // The process goes on; once the history exists, the next search starts a worker that answers.
    const { store } = await openTempStore({ path })
    const { id } = store.createConversation('after the crash')
    addAnsweredTurn(store, id, 'is the weather good', 'stream-1', ['yes'])
    expect(await worker.search('weather', 20)).toEqual(store.search('weather'))
    await worker.close()
    store.close()
  })
})
