/**
 * Migration 4 (reasoning and end details) on a schema 3 file made by the code before it: the schema from the
 * migrations up to 3, the rows written with that store's own SQL (copied below from history-store.ts at commit
 * 860c5a8, the last one at schema 3).
 */
import Sqlite, { type Database } from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { HISTORY_MIGRATIONS } from '../../../src-main/core/history/history-migrations'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { openHistoryDatabase } from '../../../src-main/core/history/open-history-database'
import { START, startedClock, tempHistoryPath } from './temp-history'

const BY_STREAM = `stream_id = ? AND model_id = ? AND status = 'streaming'`
/** The schema 3 store's statements, verbatim. */
const SCHEMA_3_SQL = {
  insertConversation: 'INSERT INTO conversations (id, title, created_at, updated_at, pinned) VALUES (?, ?, ?, ?, ?)',
  insertTurn: `INSERT INTO turns (conversation_id, position, prompt, stream_id, created_at, parent_turn_id)
        VALUES (?, ?, ?, ?, ?, ?)`,
  insertAnswer: `INSERT INTO answers (turn_id, model_id, model_label, text, status, error_code, error_message, input_tokens,
        output_tokens, started_at, updated_at, stream_id, attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  saveProgress: `UPDATE answers SET text = ?, updated_at = ? WHERE ${BY_STREAM}`,
  finishAnswer: `UPDATE answers SET text = coalesce(?, text), status = ?, error_code = ?, error_message = ?, input_tokens = ?,
        output_tokens = ?, updated_at = ? WHERE ${BY_STREAM}`,
  markInterrupted: `UPDATE answers SET status = 'interrupted' WHERE status = 'streaming'`,
}

async function createSchema3File(path: string): Promise<void> {
  const { db } = await openHistoryDatabase(path, {
    migrations: HISTORY_MIGRATIONS.slice(0, 3),
    now: () => new Date(START),
    busyTimeoutMs: 100,
  })
  const sql = Object.fromEntries(Object.entries(SCHEMA_3_SQL).map(([name, text]) => [name, db.prepare(text)]))
  sql.insertConversation!.run('c1', '東京の天気は？', START, START, 0)
  const first = sql.insertTurn!.run('c1', 0, '東京の天気は？', 's0', START, null).lastInsertRowid
  const second = sql.insertTurn!.run('c1', 1, 'And tomorrow?', 's1', START + 1, first).lastInsertRowid
  for (const [turn, stream] of [
    [first, 's0'],
    [second, 's1'],
  ] as const) {
    sql.insertAnswer!.run(turn, 'a', 'Model A', '', 'streaming', null, null, null, null, START, START, stream, 1)
    sql.insertAnswer!.run(turn, 'b', 'Model B', '', 'streaming', null, null, null, null, START, START, stream, 1)
  }
  // A regenerated second attempt of model a at the first turn, on its own stream.
  sql.insertAnswer!.run(first, 'a', 'Model A', '', 'streaming', null, null, null, null, START, START, 's0-r', 2)
  sql.finishAnswer!.run('晴れです。🌞', 'complete', null, null, 12, 40, START + 5, 's0', 'a')
  sql.finishAnswer!.run('', 'error', 'rate-limited', 'Too many requests', 12, null, START + 5, 's0', 'b')
  sql.finishAnswer!.run('Sunny.', 'stopped', null, null, null, null, START + 6, 's0-r', 'a')
  sql.finishAnswer!.run('Rain.', 'complete', null, null, null, null, START + 7, 's1', 'b')
  sql.saveProgress!.run('Partly sunny with', START + 8, 's1', 'a')
  sql.markInterrupted!.run()
  db.close()
}

const SCHEMA_3_COLUMNS = {
  conversations: 'id, title, hex(title), created_at, updated_at, pinned',
  turns: 'id, conversation_id, position, prompt, hex(prompt), stream_id, created_at, parent_turn_id',
  answers: `id, turn_id, model_id, model_label, text, hex(text), status, error_code, error_message, input_tokens,
    output_tokens, started_at, updated_at, stream_id, attempt`,
}

function snapshot(db: Database) {
  return Object.fromEntries(
    Object.entries(SCHEMA_3_COLUMNS).map(([table, columns]) => [
      table,
      db.prepare(`SELECT ${columns} FROM ${table} ORDER BY rowid`).all(),
    ]),
  )
}

function withFile<T>(path: string, read: (db: Database) => T): T {
  const db = new Sqlite(path)
  try {
    return read(db)
  } finally {
    db.close()
  }
}

async function migrated() {
  const path = tempHistoryPath()
  await createSchema3File(path)
  const before = withFile(path, snapshot)
  const store = await HistoryStore.open(path, { clock: startedClock() })
  return { path, before, store }
}

describe('migration 4 from a schema 3 file', () => {
  it('keeps every row byte for byte; every answer has no reasoning and no end details', async () => {
    const { path, before, store } = await migrated()
    store.close()
    withFile(path, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(HISTORY_MIGRATIONS.length)
      expect(snapshot(db)).toEqual(before)
      expect(db.prepare('SELECT DISTINCT reasoning, end_details FROM answers').all()).toEqual([
        { reasoning: '', end_details: null },
      ])
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      // The end details column holds JSON or nothing.
      expect(() => db.prepare("UPDATE answers SET end_details = 'not json' WHERE id = 1").run()).toThrow(/CHECK/)
    })
  })

  it("reads the old answers as before and keeps today's reasoning and end details, then reads them back", async () => {
    const { store } = await migrated()
    const old = store.getConversation('c1')!
    expect(old.turns[0]!.answers.map((a) => [a.modelId, a.attempt, a.text, a.reasoning, a.end])).toEqual([
      ['a', 1, '晴れです。🌞', '', undefined],
      ['a', 2, 'Sunny.', '', undefined],
      ['b', 1, '', '', undefined],
    ])
    // The interrupted answer resumes with its text so far and no reasoning, then ends with both and its details.
    expect(store.reopenInterrupted('s1', 'a')).toEqual({ text: 'Partly sunny with', reasoning: '' })
    expect(store.appendAnswerProgress('s1', 'a', '', 'Think: clouds')).toBe(true)
    const end = {
      stopReason: 'other' as const,
      rawStopReason: 'PROVIDER_SPECIFIC_REASON',
      toolNames: ['get_weather'],
      redactedReasoning: 2,
      metrics: { inputTokens: 9, outputTokens: 30, reasoningTokens: 20, firstTokenMs: 120, durationMs: 900 },
    }
    expect(
      store.finishAnswer('s1', 'a', {
        status: 'complete',
        text: 'Partly sunny with showers.',
        reasoning: 'Think: clouds, rain.',
        usage: { inputTokens: 9, outputTokens: 30 },
        ...end,
      }),
    ).toBe(true)
    const answer = store.getConversation('c1')!.turns[1]!.answers.find((a) => a.modelId === 'a')!
    expect(answer).toMatchObject({
      text: 'Partly sunny with showers.',
      reasoning: 'Think: clouds, rain.',
      status: 'complete',
      usage: { inputTokens: 9, outputTokens: 30 },
      end,
    })
    // Reasoning is not searched: only the answer text is.
    expect(store.search('showers').hits).toHaveLength(1)
    expect(store.search('clouds, rain').hits).toHaveLength(0)
    store.close()
  })

  it('ignores end details on disk that are not valid (a damaged or foreign row), keeping the rest of the answer', async () => {
    const { path, store } = await migrated()
    store.close()
    withFile(path, (db) =>
      db
        .prepare("UPDATE answers SET end_details = ?, reasoning = 'r' WHERE stream_id = 's0' AND model_id = 'a'")
        .run(JSON.stringify({ stopReason: 'exploded', metrics: { inputTokens: -1 } })),
    )
    const reopened = await HistoryStore.open(path, { clock: startedClock() })
    const answer = reopened.getConversation('c1')!.turns[0]!.answers[0]!
    expect(answer).toMatchObject({ text: '晴れです。🌞', reasoning: 'r', status: 'complete' })
    expect(answer.end).toBeUndefined()
    reopened.close()
  })
})
