/**
 * Main-thread stalls from history work on a large history: how long the event loop is held (live answers cannot
 * draw meanwhile) by Export all, a search, and an import. The history: 120,000 short messages (600 conversations of
 * 100 turns, a prompt and an answer each, written in one transaction: about a minute) and 100 conversations with a
 * 1,000,000-character answer each (100 M characters); about 330 MB on disk. Each row sets the way it works now
 * against the ways it worked before, measured in the same run: Export all at once and in slices on the main thread
 * (before) against the export worker writing the file; the search on the main thread, highlighting by scanning each
 * hit's whole text and with the excerpt window (before), against the search worker; an import in one transaction
 * on the main thread and by the import worker handed the file's text (before) against the worker reading the file
 * itself. The longest stall is read by a 1 ms timer. `tsx tests/bench/history-stall-bench.ts` prints the table.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { exportToFile } from '../../src-main/core/history/export-to-file'
import { findMatches } from '../../src-main/core/history/highlight-snippet'
import { HistoryStore } from '../../src-main/core/history/history-store'
import type { ImportSummary } from '../../src-main/core/history/history-types'
import { importFileInWorker, importInWorker } from '../../src-main/core/history/import-in-worker'
import { longestStall } from './event-loop-stall'
import { printTable, verdict } from './stats'

const STALL_TARGET_MS = 100
/** 100 conversations, each with a 1,000,000-character answer: 100 M characters in all. */
const CONVERSATIONS = 100
const ANSWER_CHARS = 1_000_000
/** 600 × 100 turns: 120,000 messages (a prompt and an answer each). */
const SHORT_CONVERSATIONS = 600
const SHORT_TURNS = 100
const PARAGRAPH = 'The weather in Tokyo is sunny today and the database answers quickly. 東京の天気は晴れです。\n'
const SHORT_WORDS = ['river', 'bridge', 'weather', 'tomorrow', 'ticket', 'ramen', '会議', '資料', 'deploy', 'schema']

function answerText(i: number): string {
  const body = PARAGRAPH.repeat(Math.ceil(ANSWER_CHARS / PARAGRAPH.length)).slice(0, ANSWER_CHARS - 40)
  return `${body} xylophone ${i} at the very end`
}

/** A short message of about 120 characters, its words drawn from `SHORT_WORDS` by its number. */
function shortText(n: number): string {
  const words: string[] = []
  for (let k = 0; k < 14; k++) words.push(SHORT_WORDS[(n * 7 + k * 3 + (n >> k)) % SHORT_WORDS.length]!)
  return `${words.join(' ')} #${n}`
}

function addShortMessages(store: HistoryStore): void {
  const model = [{ id: 'model', label: 'Model' }]
  store.inTransaction(() => {
    for (let c = 0; c < SHORT_CONVERSATIONS; c++) {
      const { id } = store.createConversation(`short ${c}`)
      for (let t = 0; t < SHORT_TURNS; t++) {
        const n = c * SHORT_TURNS + t
        store.addTurn(id, shortText(2 * n), `short-${n}`, model)
        store.finishAnswer(`short-${n}`, 'model', { status: 'complete', text: shortText(2 * n + 1) })
      }
    }
  })
}

export async function measureHistoryStalls(): Promise<Array<Record<string, string | number>>> {
  const dir = mkdtempSync(join(tmpdir(), 'streamdesk-stall-bench-'))
  try {
    const store = await HistoryStore.open(join(dir, 'history.sqlite'))
    const building = performance.now()
    addShortMessages(store)
    for (let i = 0; i < CONVERSATIONS; i++) {
      const { id } = store.createConversation(`conversation ${i}`)
      store.addTurn(id, `prompt ${i}`, `stream-${i}`, [{ id: 'model', label: 'Model' }])
      store.finishAnswer(`stream-${i}`, 'model', { status: 'complete', text: answerText(i) })
    }
    const megabytes = (path: string) => Math.round(statSync(path).size / 1024 / 1024)
    console.log(
      `History: ${SHORT_CONVERSATIONS * SHORT_TURNS * 2} short messages and ${CONVERSATIONS} answers of ${ANSWER_CHARS} characters, ` +
        `${megabytes(join(dir, 'history.sqlite'))} MB, built in ${Math.round((performance.now() - building) / 1000)} s; ` +
        `load average ${loadavg()
          .map((load) => load.toFixed(1))
          .join(' ')}`,
    )
    const rows: Array<Record<string, string | number>> = []
    const row = (work: string, how: string, result: { stallMs: number; totalMs: number }, baseline: boolean) =>
      rows.push({
        work,
        how,
        'longest stall': Math.round(result.stallMs),
        'total ms': Math.round(result.totalMs),
        [`target (≤ ${STALL_TARGET_MS} ms)`]: baseline ? '—' : verdict(result.stallMs <= STALL_TARGET_MS),
      })

    // What the machine itself takes from a 1 ms timer that nothing holds: on a loaded machine the thread is not
    // scheduled for a while now and then, and every row below includes that.
    row('Idle event loop, 5 s (machine noise)', 'nothing to do', await longestStall(() => setTimeout(5_000)), true)

    const exportRow = 'Export all, 100 M characters + 120k messages'
    let exported = ''
    row(exportRow, 'at once on main (before)', await longestStall(() => store.exportAll('json')), true)
    row(
      exportRow,
      'in slices on main (before)',
      await longestStall(async () => (exported = await store.exportAllInSlices('json'))),
      true,
    )
    const exportPath = join(dir, 'export.json')
    row(
      exportRow,
      'export worker into a file (now)',
      await longestStall(() => exportToFile(store, { format: 'json' }, exportPath)),
      false,
    )
    if (readFileSync(exportPath, 'utf8').length !== exported.length)
      throw new Error('the export worker wrote another text')

    // A frequent word: the MB answers (the newest rows, so the 20 hits) hold it thousands of times each.
    const searchRow = 'Search over 120k messages + 1 MB answers, 20 hits'
    const hits = store.search('weather', { limit: 20 }).hits
    const texts = hits.map((hit) => store.getConversation(hit.conversationId)!.turns[0]!.answers[0]!.text)
    row(
      searchRow,
      'main, whole-text match scan (before)',
      await longestStall(() => {
        store.search('weather', { limit: 20 })
        for (const text of texts) findMatches(text, ['weather'])
      }),
      true,
    )
    row(
      searchRow,
      'main, excerpt window (before)',
      await longestStall(() => store.search('weather', { limit: 20 })),
      true,
    )
    await store.searchOffThread('warm-up')
    row(
      searchRow,
      'search worker (now)',
      await longestStall(() => store.searchOffThread('weather', { limit: 20 })),
      false,
    )
    row(
      searchRow.replace('20 hits', 'a 2-character term'),
      'main (before)',
      await longestStall(() => store.search('晴れ')),
      true,
    )
    row(
      searchRow.replace('20 hits', 'a 2-character term'),
      'search worker (now)',
      await longestStall(() => store.searchOffThread('晴れ')),
      false,
    )

    const fortyEight = lastConversations(exported, 48)
    exported = ''
    const importRow = `Import of a ${Math.round(fortyEight.length / 1024 / 1024)} MB export`
    const onMainThread = await HistoryStore.open(join(dir, 'imported-before.sqlite'))
    row(importRow, 'main thread (before)', await longestStall(() => onMainThread.importJson(fortyEight)), true)
    onMainThread.close()
    const handed = await HistoryStore.open(join(dir, 'imported-handed.sqlite'))
    row(
      importRow,
      'worker handed the text (before)',
      await longestStall(() => importInWorker(handed, fortyEight)),
      true,
    )
    handed.close()
    const importPath = join(dir, 'import.json')
    writeFileSync(importPath, fortyEight)
    const target = await HistoryStore.open(join(dir, 'imported.sqlite'))
    let summary: ImportSummary | undefined
    row(
      importRow,
      'worker reads the file (now)',
      await longestStall(async () => (summary = (await importFileInWorker(target, importPath)).summary)),
      false,
    )
    const expected = (JSON.parse(fortyEight) as { conversations: unknown[] }).conversations.length
    if (summary?.conversations !== expected)
      throw new Error(`the worker imported ${summary?.conversations} of ${expected}`)
    target.close()
    store.close()
    console.log(
      `Load average after: ${loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}`,
    )
    return rows
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** An export of the last conversations (the megabyte answers) that fit in about `megabytes` MB. */
function lastConversations(json: string, megabytes: number): string {
  const document = JSON.parse(json) as { conversations: unknown[] }
  const kept: unknown[] = []
  let size = 0
  for (const conversation of document.conversations.toReversed()) {
    size += JSON.stringify(conversation).length
    if (size > megabytes * 1024 * 1024) break
    kept.unshift(conversation)
  }
  return JSON.stringify({ ...document, conversations: kept }, null, 2)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable('History work on the main thread: longest event-loop stall, ms', await measureHistoryStalls())
}
