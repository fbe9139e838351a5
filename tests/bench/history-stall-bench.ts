/**
 * Main-thread stalls from history work on a large history: how long the event loop is held (live answers cannot
 * draw meanwhile) by Export all, a search over megabyte answers, and an import. Each row sets the way it works
 * now against the way it worked before, measured in the same run: Export all at once (before) against in slices;
 * highlighting by scanning each hit's whole text (before) against the excerpt window; an import in one
 * transaction on the main thread (before) against the import worker. The longest stall is read by a 1 ms timer. `tsx tests/bench/history-stall-bench.ts` prints the table on its own.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { findMatches } from '../../src-main/core/history/highlight-snippet'
import { HistoryStore } from '../../src-main/core/history/history-store'
import type { ImportSummary } from '../../src-main/core/history/history-types'
import { importInWorker } from '../../src-main/core/history/import-in-worker'
import { longestStall } from './event-loop-stall'
import { printTable, verdict } from './stats'

const STALL_TARGET_MS = 100
/** 100 conversations, each with a 1,000,000-character answer: 100 M characters in all. */
const CONVERSATIONS = 100
const ANSWER_CHARS = 1_000_000
const PARAGRAPH = 'The weather in Tokyo is sunny today and the database answers quickly. 東京の天気は晴れです。\n'

function answerText(i: number): string {
  const body = PARAGRAPH.repeat(Math.ceil(ANSWER_CHARS / PARAGRAPH.length)).slice(0, ANSWER_CHARS - 40)
  return `${body} xylophone ${i} at the very end`
}

export async function measureHistoryStalls(): Promise<Array<Record<string, string | number>>> {
  const dir = mkdtempSync(join(tmpdir(), 'streamdesk-stall-bench-'))
  try {
    const store = await HistoryStore.open(join(dir, 'history.sqlite'))
    for (let i = 0; i < CONVERSATIONS; i++) {
      const { id } = store.createConversation(`conversation ${i}`)
      store.addTurn(id, `prompt ${i}`, `stream-${i}`, [{ id: 'model', label: 'Model' }])
      store.finishAnswer(`stream-${i}`, 'model', { status: 'complete', text: answerText(i) })
    }
    const rows: Array<Record<string, string | number>> = []
    const row = (work: string, how: string, result: { stallMs: number; totalMs: number }, baseline: boolean) =>
      rows.push({
        work,
        how,
        'longest stall': result.stallMs,
        'total ms': result.totalMs,
        [`target (≤ ${STALL_TARGET_MS} ms)`]: baseline ? '—' : verdict(result.stallMs <= STALL_TARGET_MS),
      })

    let exported = ''
    row('Export all, 100 M characters', 'at once (before)', await longestStall(() => store.exportAll('json')), true)
    row(
      'Export all, 100 M characters',
      'in slices (now)',
      await longestStall(async () => (exported = await store.exportAllInSlices('json'))),
      false,
    )

    // The hits' texts, as the search reads them, scanned whole as highlighting did before.
    // A frequent word: the whole-text scan finds it thousands of times in each answer.
    const hits = store.search('weather', { limit: 20 }).hits
    const texts = hits.map((hit) => store.getConversation(hit.conversationId)!.turns[0]!.answers[0]!.text)
    row(
      'Search over 1 MB answers, 20 hits',
      'whole-text match scan (before)',
      await longestStall(() => {
        store.search('weather', { limit: 20 })
        for (const text of texts) findMatches(text, ['weather'])
      }),
      true,
    )
    row(
      'Search over 1 MB answers, 20 hits',
      'excerpt window (now)',
      await longestStall(() => store.search('weather', { limit: 20 })),
      false,
    )

    const fortyEight = trimToConversations(exported, 48)
    const importRow = `Import of a ${Math.round(fortyEight.length / 1024 / 1024)} MB export`
    const onMainThread = await HistoryStore.open(join(dir, 'imported-before.sqlite'))
    row(importRow, 'main thread (before)', await longestStall(() => onMainThread.importJson(fortyEight)), true)
    onMainThread.close()
    const target = await HistoryStore.open(join(dir, 'imported.sqlite'))
    let summary: ImportSummary | undefined
    row(
      importRow,
      'import worker (now)',
      await longestStall(async () => (summary = (await importInWorker(target, fortyEight)).summary)),
      false,
    )
    const expected = (JSON.parse(fortyEight) as { conversations: unknown[] }).conversations.length
    if (summary?.conversations !== expected)
      throw new Error(`the worker imported ${summary?.conversations} of ${expected}`)
    target.close()
    store.close()
    return rows
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** An export of the first conversations that fit in about `megabytes` MB. */
function trimToConversations(json: string, megabytes: number): string {
  const document = JSON.parse(json) as { conversations: unknown[] }
  const share = Math.max(1, Math.floor((document.conversations.length * megabytes * 1024 * 1024) / json.length))
  return JSON.stringify({ ...document, conversations: document.conversations.slice(0, share) }, null, 2)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printTable('History work on the main thread: longest event-loop stall, ms', await measureHistoryStalls())
}
