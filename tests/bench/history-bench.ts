/**
 * History store at scale: 100,000 generated answers (10,000 conversations of 5 prompts × 2 models, English and
 * Japanese, lengths like real answers). Measures cold open, full-text search p50/p99 (3+ characters through the
 * trigram index; 1–2 characters through the bounded recent scan), the first sidebar page, opening a
 * conversation and a streaming progress write, against a baseline in the same run: the same searches as a
 * naive LIKE scan with no index. `tsx tests/bench/history-bench.ts` prints the table on its own, and the write
 * amplification of a streamed 1 MB answer (write-amplification-bench.ts).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import Sqlite from 'better-sqlite3'
import type { HistoryDocumentV1 } from '../../src-main/core/history/history-export'
import { DEFAULT_RECENT_SCAN_ROWS } from '../../src-main/core/history/history-search'
import { HistoryStore } from '../../src-main/core/history/history-store'
import { likeContains, parseSearchTerms } from '../../src-main/core/history/search-query'
import { mulberry32 } from '../support/chaos-publisher'
import { percentile, printTable, verdict } from './stats'
import { measureWriteAmplification, WRITE_AMPLIFICATION_TITLE } from './write-amplification-bench'

const CONVERSATIONS = 10_000
const TURNS = 5
const MODELS = [
  { id: 'llama3-2', label: 'Llama 3.2' },
  { id: 'qwen2-5', label: 'Qwen 2.5' },
]
const JAPANESE_SHARE = 0.3
const REPEATS = 10
const SEARCH_P99_TARGET_MS = 50

/** Frequent, rare (xylophone: about 1 answer in 10,000), absent, multi-term, and frequent trigrams in a rare order. */
const INDEXED_QUERIES = [
  'weather',
  'database',
  'function',
  'return value',
  'tokyo weather',
  'xylophone',
  'qwertyuiop',
  'the',
  'error handling',
  'cache memory',
  'use the server',
  '天気は',
  'データベース',
  'プログラミング言語',
  '東京の天気',
  '雨の日',
]
const SHORT_QUERIES = ['天気', '雨', '値', 'AI', 'x', 'zq', 'é']

const ENGLISH = (
  'the a of and to in is that it for on with as this be are by you can use function data value return error model ' +
  'answer question weather tokyo server database query index search result string number array object promise async ' +
  'await type interface class method performance memory network request response cache file system user example code ' +
  'test build deploy release version update install configure option setting default parameter argument handling'
).split(' ')
const JAPANESE = (
  '東京 の 天気 は 晴れ です 今日 データベース を 使って 検索 します 関数 が 返す 値 プログラミング 言語 例えば モデル 回答 ' +
  '質問 について 説明 して ください サーバー 設定 日本語 文章 、 ます ません こと ため 大阪 雨 明日 性能 メモリ ネットワーク'
).split(' ')

export interface HistoryBenchResult {
  rows: Array<Record<string, string | number>>
  notes: string[]
}

/** Text of about `length` characters: sentences of random words, now and then a rare word. */
function makeText(random: () => number, length: number, japanese: boolean): string {
  const pick = (words: string[]) => words[Math.floor(random() * words.length)]!
  let text = ''
  while (text.length < length) {
    const words = 5 + Math.floor(random() * 14)
    const sentence: string[] = []
    for (let i = 0; i < words; i++)
      sentence.push(random() < 0.00002 ? 'xylophone' : pick(japanese ? JAPANESE : ENGLISH))
    text += japanese ? `${sentence.join('')}。` : `${sentence.join(' ')}. `
    if (random() < 0.15) text += '\n\n'
  }
  return text
}

/** Answer lengths: exponential around ~800 characters, 150 to 6,000. */
function answerLength(random: () => number): number {
  return Math.min(6_000, 150 + Math.floor(-Math.log(1 - random()) * 650))
}

function generateDocument(): HistoryDocumentV1 {
  const random = mulberry32(42)
  const start = Date.UTC(2024, 0, 1)
  const iso = (ms: number) => new Date(ms).toISOString()
  const conversations: HistoryDocumentV1['conversations'] = []
  for (let c = 0; c < CONVERSATIONS; c++) {
    const japanese = random() < JAPANESE_SHARE
    let time = start + c * 3_000_000
    const turns: HistoryDocumentV1['conversations'][number]['turns'] = []
    for (let t = 0; t < TURNS; t++) {
      time += 60_000
      turns.push({
        prompt: makeText(random, 20 + Math.floor(random() * 200), japanese),
        streamId: `bench-${c}-${t}`,
        createdAt: iso(time),
        answers: MODELS.map((m) => ({
          modelId: m.id,
          modelLabel: m.label,
          text: makeText(random, answerLength(random), japanese),
          status: 'complete' as const,
          usage: { inputTokens: 50, outputTokens: 200 },
          startedAt: iso(time),
          updatedAt: iso(time + 5_000),
        })),
      })
    }
    const first = turns[0]!.prompt
    conversations.push({
      id: `conversation-${c}`,
      title: first.slice(0, 60),
      createdAt: iso(start + c * 3_000_000),
      updatedAt: iso(time),
      pinned: c % 500 === 0,
      turns,
    })
  }
  return { format: 'streamdesk-history', version: 1, exportedAt: iso(Date.now()), conversations }
}

function timeEach<T>(inputs: readonly T[], run: (input: T) => unknown): number[] {
  const samples: number[] = []
  for (let r = 0; r < REPEATS; r++) {
    for (const input of inputs) {
      const start = performance.now()
      run(input)
      samples.push(performance.now() - start)
    }
  }
  return samples
}

/** What a history without a full-text index would do: LIKE over every row, newest first, 20 at most. */
function naiveLikeSearch(db: Sqlite.Database) {
  const statements = new Map<number, { answers: Sqlite.Statement; prompts: Sqlite.Statement }>()
  return (query: string) => {
    const terms = parseSearchTerms(query).all
    let pair = statements.get(terms.length)
    if (!pair) {
      const where = (column: string) => terms.map(() => `${column} LIKE ? ESCAPE '\\'`).join(' AND ')
      pair = {
        answers: db.prepare(`SELECT id, text FROM answers WHERE ${where('text')} ORDER BY id DESC LIMIT 20`),
        prompts: db.prepare(`SELECT id, prompt FROM turns WHERE ${where('prompt')} ORDER BY id DESC LIMIT 20`),
      }
      statements.set(terms.length, pair)
    }
    const likes = terms.map(likeContains)
    return [...pair.answers.all(...likes), ...pair.prompts.all(...likes)]
  }
}

const ms = (samples: number[]) => ({ p50: percentile(samples, 50), p99: percentile(samples, 99) })

export async function measureHistory(): Promise<HistoryBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'streamdesk-history-bench-'))
  const path = join(dir, 'history.sqlite')
  try {
    let started = performance.now()
    const document = generateDocument()
    const generateMs = performance.now() - started
    let store = await HistoryStore.open(path)
    started = performance.now()
    const imported = store.importDocument(document)
    const insertMs = performance.now() - started
    store.close()
    const sizeMb = statSync(path).size / 1024 / 1024

    started = performance.now()
    store = await HistoryStore.open(path)
    const openMs = performance.now() - started
    started = performance.now()
    const integrity = await store.verifyIntegrity()
    const verifyMs = performance.now() - started

    const listMs = timeEach([0], () => store.listConversations({ limit: 50 }))
    const conversationMs = timeEach([0, 1234, 5678, 9999], (c) => store.getConversation(`conversation-${c}`))
    const indexed = timeEach(INDEXED_QUERIES, (q) => store.search(q))
    const short = timeEach(SHORT_QUERIES, (q) => store.search(q))

    // Streaming: a new turn whose answer grows by ~20 characters per progress write (each its own commit).
    const { id } = store.createConversation('bench streaming')
    store.addTurn(id, 'bench streaming', 'bench-live', MODELS.slice(0, 1))
    const writeMs = timeEach(
      Array.from({ length: 20 }, (_, i) => i),
      () => store.appendAnswerProgress('bench-live', 'llama3-2', 'streamed text delta '),
    )
    store.close()

    const raw = new Sqlite(path, { readonly: true })
    const naive = naiveLikeSearch(raw)
    const naiveIndexed = timeEach(INDEXED_QUERIES, naive)
    const naiveShort = timeEach(SHORT_QUERIES, naive)
    raw.close()

    const row = (measure: string, samples: number[], baseline?: number[], target?: boolean) => ({
      measure,
      samples: samples.length,
      'p50 ms': ms(samples).p50,
      'p99 ms': ms(samples).p99,
      'naive LIKE p50 ms': baseline ? ms(baseline).p50 : '—',
      'naive LIKE p99 ms': baseline ? ms(baseline).p99 : '—',
      [`target p99 < ${SEARCH_P99_TARGET_MS} ms`]: target === undefined ? '—' : verdict(target),
    })
    return {
      rows: [
        row('cold open (close, reopen: header, schema, migrations)', [openMs]),
        row(`full page check, worker thread after open (${integrity.status})`, [verifyMs]),
        row(
          `search, 3+ chars, full-text (${INDEXED_QUERIES.length} queries)`,
          indexed,
          naiveIndexed,
          ms(indexed).p99 < SEARCH_P99_TARGET_MS,
        ),
        row(
          `search, 1–2 chars, recent scan (${SHORT_QUERIES.length} queries)`,
          short,
          naiveShort,
          ms(short).p99 < SEARCH_P99_TARGET_MS,
        ),
        row('conversation list, first page of 50', listMs),
        row('open one conversation (5 turns × 2 answers)', conversationMs),
        row('streaming progress write (one commit, synchronous FULL)', writeMs),
      ],
      notes: [
        `${imported.answers.toLocaleString('en-US')} answers and ${imported.turns.toLocaleString('en-US')} prompts in ` +
          `${imported.conversations.toLocaleString('en-US')} conversations (${Math.round(JAPANESE_SHARE * 100)}% Japanese); ` +
          `generated in ${Math.round(generateMs)} ms, imported in one transaction in ${Math.round(insertMs)} ms; file ${Math.round(sizeMb)} MB.`,
        'Search times include snippets and highlight ranges; the naive baseline only fetches rows. A full-text query ' +
          `reads the trigram index; a 1–2 character query scans the ${DEFAULT_RECENT_SCAN_ROWS.toLocaleString('en-US')} most recent prompts and answers (each) at most.`,
      ],
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await measureHistory()
  printTable('History store with 100,000 answers (times in ms)', result.rows)
  for (const note of result.notes) console.log(note)
  const amplification = await measureWriteAmplification()
  printTable(WRITE_AMPLIFICATION_TITLE, amplification.rows)
  for (const note of amplification.notes) console.log(note)
}
