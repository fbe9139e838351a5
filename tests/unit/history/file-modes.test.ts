/**
 * The history holds every conversation: its file, -wal and -shm, the pre-migration copy and the daily backups are
 * owner-only (0600), their folders 0700, also when an earlier version left them world-readable. POSIX modes only:
 * on Windows the user profile's ACLs protect these files and the modes mean nothing.
 */
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { HISTORY_MIGRATIONS } from '../../../src-main/core/history/history-migrations'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { openHistoryDatabase } from '../../../src-main/core/history/open-history-database'
import { ensurePrivateDir, ensurePrivateFile } from '../../../src-main/lib/private-files'
import { START, addAnsweredTurn, openTempStore, startedClock, tempHistoryPath } from './temp-history'

const modeOf = (path: string) => statSync(path).mode & 0o777

describe.skipIf(process.platform === 'win32')('history file modes', () => {
  it('creates the history, its -wal and -shm owner-only, whatever the umask allows', async () => {
    const previous = process.umask(0o022)
    try {
      const { store, path } = await openTempStore()
      const { id } = store.createConversation('private')
      addAnsweredTurn(store, id, 'private', 's1', ['an answer'])
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(modeOf(file), file).toBe(0o600)
      store.close()
    } finally {
      process.umask(previous)
    }
  })

  it('makes the files an earlier version left world-readable owner-only when it opens them', async () => {
    const path = tempHistoryPath()
    const first = await HistoryStore.open(path, { clock: startedClock() })
    addAnsweredTurn(first, first.createConversation('old').id, 'old', 's1', ['kept'])
    // Keep the -wal and -shm (an unclean exit): a clean close would remove them.
    const raw = new Sqlite(path)
    raw.pragma('journal_mode = WAL')
    first.close()
    for (const file of [path, `${path}-wal`, `${path}-shm`]) chmodSync(file, 0o644)

    const reopened = await HistoryStore.open(path, { clock: startedClock() })
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(modeOf(file), file).toBe(0o600)
    reopened.close()
    raw.close()
  })

  it('writes the daily backup owner-only in an owner-only folder', async () => {
    const { store, path } = await openTempStore()
    const written = await store.backupIfDue(new Date(2024, 4, 1, 12))
    expect(modeOf(written!)).toBe(0o600)
    expect(modeOf(join(dirname(path), 'backups'))).toBe(0o700)
    store.close()
  })

  it('writes the copy made before a migration owner-only', async () => {
    const path = tempHistoryPath()
    const { db } = await openHistoryDatabase(path, {
      migrations: HISTORY_MIGRATIONS.slice(0, 1),
      now: () => new Date(START),
      busyTimeoutMs: 100,
    })
    db.prepare("INSERT INTO conversations VALUES ('c1', 'Before the migration', ?, ?, 0)").run(START, START)
    db.close()
    const migrated = await HistoryStore.open(path, { clock: startedClock() })
    expect(migrated.preMigrationBackup).toBeDefined()
    expect(modeOf(migrated.preMigrationBackup!)).toBe(0o600)
    migrated.close()
  })
})

describe.skipIf(process.platform === 'win32')('private files and folders', () => {
  it('tightens an existing folder and file, and creates missing ones owner-only', () => {
    const folder = join(dirname(tempHistoryPath()), 'shared')
    mkdirSync(folder, { mode: 0o777 })
    chmodSync(folder, 0o777)
    ensurePrivateDir(folder)
    expect(modeOf(folder)).toBe(0o700)

    const existing = join(folder, 'existing')
    writeFileSync(existing, 'data', { mode: 0o666 })
    chmodSync(existing, 0o666)
    ensurePrivateFile(existing)
    expect(modeOf(existing)).toBe(0o600)

    const created = join(folder, 'nested', 'created')
    ensurePrivateDir(dirname(created))
    ensurePrivateFile(created)
    expect(modeOf(created)).toBe(0o600)
    expect(statSync(created).size).toBe(0)
  })
})
