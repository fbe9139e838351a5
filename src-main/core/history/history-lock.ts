/**
 * One history store at a time on a history file. Two cores on one folder break each other silently: the second
 * marks the first one's live answers interrupted at its start, and the first one's writer then finds no row to
 * write to. The Electron single-instance lock keeps the app to one, but test harnesses and helper processes are not
 * under it, so the store takes a lock of its own.
 *
 * The lock is SQLite's own file lock on a small side file (`<history>.lock`) opened in exclusive locking mode: the
 * operating system drops it when the process ends however it ends (no stale lock after a crash, no pid to check),
 * a second connection in the same process is refused like another process, and the history file itself stays in
 * normal locking, so the integrity check's worker, backups and read-only opens still read it.
 */
import { dirname } from 'node:path'
import { mkdirSync, rmSync } from 'node:fs'
import Sqlite, { type Database } from 'better-sqlite3'
import { PRIVATE_DIR_MODE, ensurePrivateFile } from '../../lib/private-files'

export class HistoryInUseError extends Error {
  override readonly name = 'HistoryInUseError'
}

export interface HistoryLock {
  release(): void
}

export function lockPathOf(filePath: string): string {
  return `${filePath}.lock`
}

/** Takes the lock on `filePath`, or throws HistoryInUseError when another store holds it. */
export function lockHistory(filePath: string): HistoryLock {
  if (filePath === ':memory:') return { release() {} }
  const lockPath = lockPathOf(filePath)
  mkdirSync(dirname(filePath), { recursive: true, mode: PRIVATE_DIR_MODE })
  let db: Database
  try {
    db = takeLock(lockPath)
  } catch (error) {
    if (!(error instanceof Sqlite.SqliteError) || error.code !== 'SQLITE_NOTADB') throw error
    // The side file holds nothing worth keeping: one that is not a database is made again.
    rmSync(lockPath, { force: true })
    db = takeLock(lockPath)
  }
  return { release: () => db.close() }
}

function takeLock(lockPath: string): Database {
  ensurePrivateFile(lockPath)
  const db = new Sqlite(lockPath, { timeout: 0 })
  try {
    // No journal (nothing in this file needs one); the first write takes the exclusive lock, kept until close.
    db.pragma('journal_mode = OFF')
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL)')
    db.prepare('INSERT OR REPLACE INTO holder (rowid, pid) VALUES (1, ?)').run(process.pid)
    return db
  } catch (error) {
    db.close()
    if (error instanceof Sqlite.SqliteError && error.code.startsWith('SQLITE_BUSY')) {
      throw new HistoryInUseError(
        `the history in ${dirname(lockPath)} is already open in another StreamDesk process (or another app core ` +
          'in this one); only one may write it at a time, so close the other one and start StreamDesk again',
        { cause: error },
      )
    }
    throw error
  }
}
