import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { HISTORY_MIGRATIONS, type Migration } from '../../../src-main/core/history/history-migrations'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { openHistoryDatabase, HistoryMigrationError } from '../../../src-main/core/history/open-history-database'
import { START, openTempStore, startedClock, tempHistoryPath } from './temp-history'

const LATEST = HISTORY_MIGRATIONS.at(-1)!.version

function userVersion(path: string): number {
  const raw = new Sqlite(path, { readonly: true })
  try {
    return raw.pragma('user_version', { simple: true }) as number
  } finally {
    raw.close()
  }
}

function fileHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

function siblings(path: string): string[] {
  return readdirSync(dirname(path)).filter((name) => name !== basename(path))
}

/** A file at schema 1 (tables, no search index) holding one conversation, written the way version 1 wrote it. */
async function createVersion1File(path: string): Promise<void> {
  const { db } = await openHistoryDatabase(path, {
    migrations: HISTORY_MIGRATIONS.slice(0, 1),
    now: () => new Date(START),
    busyTimeoutMs: 100,
  })
  db.prepare("INSERT INTO conversations VALUES ('c1', 'Weather', ?, ?, 1)").run(START, START)
  db.prepare(
    "INSERT INTO turns (conversation_id, position, prompt, stream_id, created_at) VALUES ('c1', 0, '東京の天気は？', 's1', ?)",
  ).run(START)
  const turnId = db.prepare('SELECT id FROM turns').pluck().get()
  const insertAnswer = db.prepare(
    "INSERT INTO answers (turn_id, model_id, model_label, text, status, started_at, updated_at) VALUES (?, ?, 'Model', ?, ?, ?, ?)",
  )
  insertAnswer.run(turnId, 'm1', '東京の天気は晴れです', 'complete', START, START)
  insertAnswer.run(turnId, 'm2', 'It is sunny in Tokyo', 'streaming', START, START)
  db.close()
}

describe('history schema migrations', () => {
  it('creates the latest schema in an empty file without making a backup', async () => {
    const { store, path } = await openTempStore()
    store.close()
    expect(userVersion(path)).toBe(LATEST)
    expect(store.preMigrationBackup).toBeUndefined()
    expect(siblings(path).filter((name) => name.includes('pre-migration'))).toEqual([])
  })

  it('migrates a version 1 file: its data survives, becomes searchable, and a backup of the old file exists', async () => {
    const path = tempHistoryPath()
    await createVersion1File(path)
    const before = fileHash(path)

    const store = await HistoryStore.open(path, { clock: startedClock() })
    expect(userVersion(path)).toBe(LATEST)
    expect(store.getConversation('c1')).toMatchObject({
      title: 'Weather',
      pinned: true,
      turns: [{ prompt: '東京の天気は？' }],
    })
    // Migration 2 indexed the existing finished answer (not the streaming one) and the prompt.
    expect(store.search('天気は晴れ').hits.map((h) => h.kind)).toEqual(['answer'])
    expect(store.search('sunny').hits).toEqual([])
    expect(store.markInterruptedOnStartup()).toBe(1)
    expect(store.search('sunny').hits).toHaveLength(1)
    expect(store.search('天気は？').hits.map((h) => h.kind)).toEqual(['prompt'])

    const backup = store.preMigrationBackup!
    expect(basename(backup)).toBe('history.sqlite.pre-migration-v1-2024-05-01T12-00-00-000Z')
    store.close()
    // The backup is the version 1 file as it was: same schema version, same rows.
    expect(userVersion(backup)).toBe(1)
    const copy = new Sqlite(backup, { readonly: true })
    expect(copy.prepare('SELECT text, status FROM answers ORDER BY id').all()).toEqual([
      { text: '東京の天気は晴れです', status: 'complete' },
      { text: 'It is sunny in Tokyo', status: 'streaming' },
    ])
    copy.close()
    expect(before).not.toBe(fileHash(path))
  })

  it('leaves the file untouched when a migration fails, rolling back the ones before it too', async () => {
    const path = tempHistoryPath()
    await createVersion1File(path)
    const before = fileHash(path)
    const failing: Migration = {
      version: LATEST + 1,
      description: 'fails halfway',
      up: (db) => {
        db.exec("CREATE TABLE half_done (x); UPDATE conversations SET title = 'changed'")
        throw new Error('disk exploded')
      },
    }

    const attempt = HistoryStore.open(path, { migrations: [...HISTORY_MIGRATIONS, failing] })
    await expect(attempt).rejects.toThrow(HistoryMigrationError)
    await expect(attempt).rejects.toThrow(/left unchanged at schema 1.*pre-migration-v1-.*disk exploded/s)

    // Byte for byte the same file, no WAL left holding half a migration, and the version 1 data intact.
    expect(fileHash(path)).toBe(before)
    expect(existsSync(`${path}-wal`)).toBe(false)
    expect(userVersion(path)).toBe(1)
    expect(siblings(path).filter((name) => name.includes('pre-migration-v1-'))).toHaveLength(1)

    // The same file opens fine with the real migrations afterwards.
    const store = await HistoryStore.open(path)
    expect(store.getConversation('c1')?.title).toBe('Weather')
    store.close()
  })

  it('refuses a file from a newer version of the app without changing it', async () => {
    const { store, path } = await openTempStore()
    store.close()
    const raw = new Sqlite(path)
    raw.pragma(`user_version = ${LATEST + 5}`)
    raw.close()
    const before = fileHash(path)
    await expect(HistoryStore.open(path)).rejects.toThrow(/newer version of StreamDesk/)
    expect(fileHash(path)).toBe(before)
  })

  it('refuses a newer file before writing anything: not even switched to WAL', async () => {
    const path = tempHistoryPath()
    const raw = new Sqlite(path)
    raw.exec('CREATE TABLE from_the_future (x)')
    raw.pragma(`user_version = ${LATEST + 1}`)
    raw.close()
    const before = fileHash(path)
    await expect(HistoryStore.open(path)).rejects.toThrow(/newer version of StreamDesk.*the file was not changed/)
    expect(fileHash(path)).toBe(before)
    expect(existsSync(`${path}-wal`)).toBe(false)
  })

  it('refuses a migration list with gaps', async () => {
    const gap = [HISTORY_MIGRATIONS[0]!, { ...HISTORY_MIGRATIONS[1]!, version: 3 }]
    await expect(HistoryStore.open(tempHistoryPath(), { migrations: gap })).rejects.toThrow(/expected 2/)
  })
})
