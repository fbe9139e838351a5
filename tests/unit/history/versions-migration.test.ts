/**
 * Migration 3 (answers as attempts, turns as a tree) on files at schema 1 and 2 made by the code released before
 * it: the schema from the released migrations (sliced), the rows written with the released store's own SQL
 * (copied below from history-store.ts at commit 7aba315, the last one before schema 3); and a schema 2 file that
 * the released store wrote through its own API (tests/fixtures/history/released-v2.sqlite, made by the script
 * beside it run on commit 7aba315's code).
 */
import { copyFileSync, existsSync } from 'node:fs'
import Sqlite, { type Database } from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { HISTORY_MIGRATIONS } from '../../../src-main/core/history/history-migrations'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { registerSearchFolding } from '../../../src-main/core/history/search-fold'
import { openHistoryDatabase } from '../../../src-main/core/history/open-history-database'
import { START, startedClock, tempHistoryPath } from './temp-history'

/** The released store's statements (schema 1 and 2 share them), verbatim. */
const RELEASED_SQL = {
  insertConversation: 'INSERT INTO conversations (id, title, created_at, updated_at, pinned) VALUES (?, ?, ?, ?, ?)',
  insertTurn: 'INSERT INTO turns (conversation_id, position, prompt, stream_id, created_at) VALUES (?, ?, ?, ?, ?)',
  insertAnswer: `INSERT INTO answers (turn_id, model_id, model_label, text, status, error_code, error_message, input_tokens,
        output_tokens, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  finishAnswer: `UPDATE answers SET text = coalesce(?, text), status = ?, error_code = ?, error_message = ?, input_tokens = ?,
        output_tokens = ?, updated_at = ? WHERE turn_id = (SELECT id FROM turns WHERE stream_id = ?) AND model_id = ? AND status = 'streaming'`,
  saveProgress: `UPDATE answers SET text = ?, updated_at = ? WHERE turn_id = (SELECT id FROM turns WHERE stream_id = ?) AND model_id = ? AND status = 'streaming'`,
}

const MODELS = [
  ['llama3-2', 'Llama 3.2'],
  ['qwen2-5', 'Qwen 2.5'],
] as const

/** Three conversations as the released app leaves them: finished, failed, stopped and still-streaming answers. */
async function createReleasedFile(path: string, version: 1 | 2): Promise<void> {
  const { db } = await openHistoryDatabase(path, {
    migrations: HISTORY_MIGRATIONS.slice(0, version),
    now: () => new Date(START),
    busyTimeoutMs: 100,
  })
  const sql = Object.fromEntries(Object.entries(RELEASED_SQL).map(([name, text]) => [name, db.prepare(text)]))
  let now = START
  const turn = (conversationId: string, position: number, prompt: string, streamId: string) => {
    now += 1_000
    db.prepare('UPDATE conversations SET updated_at = ? WHERE id = ?').run(now, conversationId)
    const turnId = sql.insertTurn!.run(conversationId, position, prompt, streamId, now).lastInsertRowid
    for (const [id, label] of MODELS)
      sql.insertAnswer!.run(turnId, id, label, '', 'streaming', null, null, null, null, now, now)
  }
  const finish = (streamId: string, modelId: string, status: string, text: string, extra: unknown[] = []) => {
    const [code = null, message = null, input = null, output = null] = extra
    sql.finishAnswer!.run(text, status, code, message, input, output, now + 500, streamId, modelId)
  }
  // The same stream ids in another order than the turn ids, and a conversation interleaved with another one, so
  // "the previous turn" has to be found by conversation and position, not by id.
  sql.insertConversation!.run('weather', '東京の天気は？', START, START, 1)
  sql.insertConversation!.run('code', 'Sorting in JS', START, START, 0)
  sql.insertConversation!.run('empty', 'Nothing yet', START, START, 0)
  turn('weather', 0, '東京の天気は？\n詳しく教えて', 'stream-w0')
  finish('stream-w0', 'llama3-2', 'complete', '東京の天気は晴れです。🌞', [null, null, 12, 40])
  finish('stream-w0', 'qwen2-5', 'error', '', ['rate-limited', 'Too many requests', 12])
  turn('code', 0, 'Write a sorting function', 'stream-c0')
  finish('stream-c0', 'llama3-2', 'complete', 'function sort(xs) { return xs.toSorted() }')
  finish('stream-c0', 'qwen2-5', 'stopped', 'def sort(')
  turn('weather', 1, 'And tomorrow?', 'stream-w1')
  finish('stream-w1', 'llama3-2', 'complete', 'Rain, then an okapi parade.')
  finish('stream-w1', 'qwen2-5', 'complete', 'Cloudy.')
  turn('weather', 2, 'And the day after?', 'stream-w2')
  sql.saveProgress!.run('Partly sunny with a chance of', now + 200, 'stream-w2', 'llama3-2')
  finish('stream-w2', 'qwen2-5', 'complete', 'Snow.')
  db.close()
}

const OLD_COLUMNS = {
  conversations: 'id, title, hex(title), created_at, updated_at, pinned',
  turns: 'id, conversation_id, position, prompt, hex(prompt), stream_id, created_at',
  answers: `id, turn_id, model_id, model_label, text, hex(text), status, error_code, error_message, input_tokens,
    output_tokens, started_at, updated_at`,
}

/** Every row of the schema 1/2 tables, column by column, text as its stored bytes too. */
function snapshot(db: Database) {
  return Object.fromEntries(
    Object.entries(OLD_COLUMNS).map(([table, columns]) => [
      table,
      db.prepare(`SELECT ${columns} FROM ${table} ORDER BY rowid`).all(),
    ]),
  )
}

function withFile<T>(path: string, read: (db: Database) => T): T {
  const db = new Sqlite(path, { readonly: true })
  try {
    return read(db)
  } finally {
    db.close()
  }
}

describe.each([1, 2] as const)('migration 3 from a schema %i file made by the released code', (version) => {
  async function migrated() {
    const path = tempHistoryPath()
    await createReleasedFile(path, version)
    const before = withFile(path, snapshot)
    const store = await HistoryStore.open(path, { clock: startedClock() })
    return { path, before, store }
  }

  it('keeps every row byte for byte and fills the new columns from the linear history', async () => {
    const { path, before, store } = await migrated()
    store.close()
    withFile(path, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(HISTORY_MIGRATIONS.length)
      expect(snapshot(db)).toEqual(before)
      // Each answer is attempt 1 on its turn's stream.
      expect(
        db
          .prepare(
            'SELECT a.id, a.stream_id, a.attempt, t.stream_id AS turnStream FROM answers a JOIN turns t ON t.id = a.turn_id',
          )
          .all()
          .map((row) => {
            const { stream_id, attempt, turnStream } = row as { stream_id: string; attempt: number; turnStream: string }
            return stream_id === turnStream && attempt === 1
          }),
      ).toEqual(Array(8).fill(true))
      // Each turn follows the one before it in its own conversation.
      expect(
        db
          .prepare(
            `SELECT t.prompt, p.prompt AS parent FROM turns t LEFT JOIN turns p ON p.id = t.parent_turn_id
             ORDER BY t.conversation_id, t.position`,
          )
          .all(),
      ).toEqual([
        { prompt: 'Write a sorting function', parent: null },
        { prompt: '東京の天気は？\n詳しく教えて', parent: null },
        { prompt: 'And tomorrow?', parent: '東京の天気は？\n詳しく教えて' },
        { prompt: 'And the day after?', parent: 'And tomorrow?' },
      ])
      expect(db.pragma('foreign_key_check')).toEqual([])
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    })
  })

  it('takes a backup first that opens and holds the old file as it was', async () => {
    const { before, store } = await migrated()
    const backup = store.preMigrationBackup!
    store.close()
    expect(backup).toMatch(new RegExp(`\\.pre-migration-v${version}-2024-05-01T12-00-00-000Z$`))
    expect(existsSync(backup)).toBe(true)
    withFile(backup, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(version)
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(snapshot(db)).toEqual(before)
    })
  })

  it('still finds the old prompts and answers, and the interrupted one once it is marked', async () => {
    const { store } = await migrated()
    expect(store.search('天気は晴れ').hits.map((h) => [h.kind, h.conversationId, h.answer?.modelId])).toEqual([
      ['answer', 'weather', 'llama3-2'],
    ])
    expect(store.search('okapi parade').hits.map((h) => h.turnIndex)).toEqual([1])
    expect(store.search('詳しく教えて').hits.map((h) => h.kind)).toEqual(['prompt'])
    expect(store.search('chance of').hits).toEqual([])
    expect(store.markInterruptedOnStartup()).toBe(1)
    expect(store.search('chance of').hits.map((h) => h.answer?.modelLabel)).toEqual(['Llama 3.2'])
    store.close()
  })

  it("reads the old conversations as before and continues them with today's flows", async () => {
    const { store } = await migrated()
    const weather = store.getConversation('weather')!
    expect(weather).toMatchObject({ title: '東京の天気は？', pinned: true })
    expect(weather.turns.map((t) => [t.index, t.streamId, t.answers.map((a) => [a.modelId, a.status])])).toEqual([
      [
        0,
        'stream-w0',
        [
          ['llama3-2', 'complete'],
          ['qwen2-5', 'error'],
        ],
      ],
      [
        1,
        'stream-w1',
        [
          ['llama3-2', 'complete'],
          ['qwen2-5', 'complete'],
        ],
      ],
      [
        2,
        'stream-w2',
        [
          ['llama3-2', 'streaming'],
          ['qwen2-5', 'complete'],
        ],
      ],
    ])
    expect(weather.turns[0]!.answers).toEqual([
      expect.objectContaining({ usage: { inputTokens: 12, outputTokens: 40 }, attempt: 1, streamId: 'stream-w0' }),
      expect.objectContaining({
        error: { code: 'rate-limited', message: 'Too many requests' },
        usage: { inputTokens: 12 },
      }),
    ])
    expect(weather.turns.map((t) => t.parentTurnId)).toEqual([null, weather.turns[0]!.id, weather.turns[1]!.id])

    // The streaming answer is still written by its stream, and a new turn follows the last one.
    expect(store.appendAnswerProgress('stream-w2', 'llama3-2', ' rain')).toBe(true)
    expect(store.finishAnswer('stream-w2', 'llama3-2', { status: 'complete' })).toBe(true)
    const added = store.addTurn('weather', 'Thanks!', 'stream-w3', [{ id: 'llama3-2', label: 'Llama 3.2' }])
    expect(added.index).toBe(3)
    const after = store.getConversation('weather')!
    expect(after.turns[3]).toMatchObject({ id: added.turnId, parentTurnId: weather.turns[2]!.id })
    expect(store.addTurn('empty', 'First words', 'stream-e0', [{ id: 'qwen2-5', label: 'Qwen 2.5' }]).index).toBe(0)
    expect(store.getConversation('empty')!.turns[0]!.parentTurnId).toBeNull()
    expect(store.search('chance of rain').hits).toHaveLength(1)
    store.close()
  })
})

describe('schema 3 answers as attempts', () => {
  async function migratedFile() {
    const path = tempHistoryPath()
    await createReleasedFile(path, 2)
    ;(await HistoryStore.open(path, { clock: startedClock() })).close()
    const db = new Sqlite(path)
    // The index's triggers fold with the app's function, which every writing connection registers.
    registerSearchFolding(db)
    return db
  }

  const insertAttempt = (db: Database, streamId: string, attempt: number, status = 'complete') =>
    db
      .prepare(
        `INSERT INTO answers (turn_id, model_id, model_label, text, status, started_at, updated_at, stream_id, attempt)
         SELECT id, 'llama3-2', 'Llama 3.2', 'Overcast with a giraffe', ?, 0, 0, ?, ? FROM turns WHERE stream_id = 'stream-w1'`,
      )
      .run(status, streamId, attempt)

  it('allows a second attempt of a model at a turn on its own stream, but not the same attempt twice', async () => {
    const db = await migratedFile()
    expect(() => insertAttempt(db, 'stream-regen', 1)).toThrow(
      /UNIQUE constraint failed: answers.turn_id, answers.model_id, answers.attempt/,
    )
    expect(() => insertAttempt(db, 'stream-w1', 2)).toThrow(
      /UNIQUE constraint failed: answers.stream_id, answers.model_id/,
    )
    insertAttempt(db, 'stream-regen', 2)
    db.close()
  })

  it('keeps the search index triggers and the streaming index on the rebuilt table', async () => {
    const db = await migratedFile()
    insertAttempt(db, 'stream-regen', 2)
    const triggers = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'answers' ORDER BY name")
      .pluck()
      .all()
    expect(triggers).toEqual(['answers_fts_delete', 'answers_fts_insert', 'answers_fts_update'])
    expect(
      db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'answers_streaming'").pluck().get(),
    ).toBe('answers_streaming')
    db.close()

    const store = await HistoryStore.open(db.name)
    expect(store.search('giraffe').hits.map((h) => h.answer?.modelId)).toEqual(['llama3-2'])
    // Attempts are read after their model's first one: the columns keep their order.
    const turn = store.getConversation('weather')!.turns[1]!
    expect(turn.answers.map((a) => [a.modelId, a.attempt, a.streamId])).toEqual([
      ['llama3-2', 1, 'stream-w1'],
      ['llama3-2', 2, 'stream-regen'],
      ['qwen2-5', 1, 'stream-w1'],
    ])
    // Deleting the conversation removes every attempt from the index (the delete trigger is back).
    store.deleteConversation('weather')
    expect(store.search('giraffe').hits).toEqual([])
    expect(store.search('okapi').hits).toEqual([])
    expect(store.search('sort(xs)').hits).toHaveLength(1)
    store.close()
  })
})

describe('migration 3 of a file the released store wrote through its own API', () => {
  const FIXTURE = new URL('../../fixtures/history/released-v2.sqlite', import.meta.url)

  it('keeps its rows, links its turns, searches its answers (imported ones too) and backs it up first', async () => {
    const path = tempHistoryPath()
    copyFileSync(FIXTURE, path)
    const before = withFile(path, snapshot)
    expect(withFile(path, (db) => db.pragma('user_version', { simple: true }))).toBe(2)

    const store = await HistoryStore.open(path, { clock: startedClock() })
    expect(store.search('天気は晴れ').hits.map((h) => [h.conversationId, h.answer?.modelId])).toEqual([
      ['weather', 'llama3-2'],
    ])
    expect(store.search('narwhal').hits.map((h) => [h.conversationId, h.turnIndex])).toEqual([
      ['imported', 1],
      ['imported', 0],
    ])
    expect(store.search('詳しく').hits.map((h) => h.kind)).toEqual(['prompt'])
    expect(store.markInterruptedOnStartup()).toBe(1)
    expect(store.search('chance of').hits).toHaveLength(1)
    const imported = store.getConversation('imported')!
    expect(imported.turns.map((t) => t.parentTurnId)).toEqual([null, imported.turns[0]!.id])
    expect(
      store.getConversation('weather')!.turns.map((t) => t.answers.map((a) => `${a.streamId}#${a.attempt}`)),
    ).toEqual([
      ['stream-w0#1', 'stream-w0#1'],
      ['stream-w1#1', 'stream-w1#1'],
      ['stream-w2#1', 'stream-w2#1'],
    ])
    const backup = store.preMigrationBackup!
    store.close()

    // Only the interrupted answer's status changed since (the start-up sweep above); every other byte is as it was.
    const interrupted = (rows: ReturnType<typeof snapshot>) => ({
      ...rows,
      answers: (rows.answers as Array<Record<string, unknown>>).map((row) =>
        row.status === 'streaming' ? { ...row, status: 'interrupted' } : row,
      ),
    })
    withFile(path, (db) => {
      expect(snapshot(db)).toEqual(interrupted(before))
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      expect(db.pragma('foreign_key_check')).toEqual([])
    })
    withFile(backup, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(2)
      expect(snapshot(db)).toEqual(before)
    })
  })
})
