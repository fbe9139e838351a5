/**
 * Opens the history file: sets a damaged file aside (never deletes it) and salvages what still reads from it, applies the connection settings, and
 * brings the schema up to date, with a backup first and all pending migrations in one transaction, so a failing
 * migration leaves the file exactly as it was.
 *
 * Damage is looked for in two steps. At open, cheaply: the file header and the schema must read (milliseconds).
 * The full page check runs after open in a worker (see verify-integrity.ts); when it finds damage it leaves a
 * marker file, and the next open runs the full check itself before anything else and sets the file aside.
 *
 * The history holds the user's conversations: the file, its -wal/-shm and every copy are owner-only (0600).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import Sqlite, { type Database } from 'better-sqlite3'
import { PRIVATE_DIR_MODE, ensurePrivateFile, restrictExistingFiles } from '../../lib/private-files'
import type { Migration } from './history-migrations'
import { salvageInto, type SalvageReport } from './salvage'
import { readSqliteHeader } from './sqlite-header'
import { isDamageCode } from './verify-integrity'
import { registerSearchFolding } from './search-fold'
import type { UserMessage } from '../../shared/user-message'

export interface OpenedDatabase {
  db: Database
  /** Plain-language messages for the user about what happened while opening. */
  notices: UserMessage[]
  /** The copy made before migrating, if a migration ran on existing data. */
  preMigrationBackup?: string
  /** Set when the file was found damaged: where it was moved, and what was salvaged from it. */
  salvage?: Salvage
}

export interface Salvage extends SalvageReport {
  asidePath: string
}

export interface OpenDatabaseOptions {
  migrations: readonly Migration[]
  now: () => Date
  busyTimeoutMs: number
}

export class HistoryMigrationError extends Error {
  override readonly name = 'HistoryMigrationError'
}

/** SQLite says the file is not a database, or its pages do not hang together. */
class DamagedDatabaseError extends Error {}

export async function openHistoryDatabase(filePath: string, options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  checkMigrationOrder(options.migrations)
  const inMemory = filePath === ':memory:'
  if (!inMemory) {
    // Created owner-only when missing; the app core makes the user-data folder it lives in owner-only.
    mkdirSync(dirname(filePath), { recursive: true, mode: PRIVATE_DIR_MODE })
    // Files an earlier version created world-readable (SQLite's default), before SQLite opens them.
    restrictExistingFiles(['', '-wal', '-shm'].map((companion) => filePath + companion))
  }
  const notices: UserMessage[] = []
  const marker = recheckMarkerPath(filePath)
  let db: Database
  let salvage: Salvage | undefined
  try {
    db = openChecked(filePath, options, existsSync(marker))
  } catch (error) {
    if (!isDamage(error)) throw error
    const asidePath = moveAside(filePath, `corrupt-${fileTimestamp(options.now())}`)
    db = openChecked(filePath, options, false)
    salvage = { asidePath, ...salvageInto(db, asidePath, options.migrations) }
  }
  rmSync(marker, { force: true })
  try {
    const preMigrationBackup = await migrate(db, filePath, options)
    return { db, notices, ...(preMigrationBackup ? { preMigrationBackup } : {}), ...(salvage ? { salvage } : {}) }
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * WAL: readers never block the writer, and a crash cannot tear a committed transaction. synchronous = FULL: every
 * commit also survives power loss or an OS crash. With NORMAL the WAL is synced only at checkpoints, so a power
 * cut could roll back every answer committed since the last one (up to ~4 MB of WAL). The price is one fsync per
 * commit (well under a millisecond for a progress write on the benchmark machine), and the answer writer's
 * throttle keeps commits to a few per second.
 */
function openChecked(filePath: string, options: OpenDatabaseOptions, fullCheck: boolean): Database {
  // Checked before SQLite opens it: SQLite may delete a -wal file it finds next to a file that is not a database.
  const header = readSqliteHeader(filePath).kind
  if (header === 'foreign') throw new DamagedDatabaseError('not an SQLite file')
  // A file of zero bytes held a history once (a new one is never left empty): lost, as if damaged.
  if (header === 'empty') throw new DamagedDatabaseError('the file is empty (0 bytes)')
  // Created owner-only before SQLite opens it: SQLite would create it 0644, and gives -wal/-shm the file's mode.
  if (filePath !== ':memory:') ensurePrivateFile(filePath)
  const db = new Sqlite(filePath, { timeout: options.busyTimeoutMs })
  try {
    // Reading the schema reads page 1 and the schema table: enough to catch a file that is not a database.
    db.prepare('SELECT count(*) FROM sqlite_schema').get()
    // Before anything is written (switching to WAL writes the header): a newer version's file stays as it was.
    refuseNewerSchema(db, options.migrations)
    if (fullCheck) {
      const check = db.pragma('quick_check', { simple: true })
      if (check !== 'ok') throw new DamagedDatabaseError(`quick_check: ${String(check)}`)
    }
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    // Truncate the WAL after checkpoints rather than leaving it at its high-water mark.
    db.pragma('journal_size_limit = 16777216')
    registerSearchFolding(db)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * The history opened read-only, for a session that cannot write it (a full disk): nothing is changed, set aside or
 * migrated (`query_only` refuses every write). Exclusive locking before the first read keeps SQLite's WAL index in
 * memory, as a full disk cannot grow the -shm file; SQLite takes that lock only through a handle opened for
 * writing, so the handle is, and writes nothing.
 */
export function openReadOnlyDatabase(filePath: string, migrations: readonly Migration[]): Database {
  const db = new Sqlite(filePath, { fileMustExist: true })
  try {
    db.pragma('locking_mode = EXCLUSIVE')
    db.pragma('query_only = ON')
    db.prepare('SELECT count(*) FROM sqlite_schema').get()
    refuseNewerSchema(db, migrations)
    const current = db.pragma('user_version', { simple: true }) as number
    const latest = migrations.at(-1)?.version ?? 0
    if (current !== latest) {
      throw new HistoryMigrationError(
        `The history file needs updating (schema ${current} to ${latest}), which cannot be done read-only.`,
      )
    }
    // Search calls the folding functions (short terms are matched by one of them).
    registerSearchFolding(db)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

function isDamage(error: unknown): boolean {
  return error instanceof DamagedDatabaseError || (error instanceof Sqlite.SqliteError && isDamageCode(error.code))
}

/** The file that asks the next open to check every page first (and set the file aside if that fails). */
export function recheckMarkerPath(filePath: string): string {
  return `${filePath}.needs-check`
}

export function requestRecheck(filePath: string, problems: readonly string[]): void {
  writeFileSync(recheckMarkerPath(filePath), `${problems.join('\n')}\n`)
}

/** Renames the file and its -wal/-shm companions together, so the set stays openable as it was. */
function moveAside(filePath: string, suffix: string): string {
  const asidePath = `${filePath}.${suffix}`
  for (const companion of ['', '-wal', '-shm']) {
    if (existsSync(filePath + companion)) renameSync(filePath + companion, asidePath + companion)
  }
  return asidePath
}

/**
 * A second connection to a history its core's store already opened, for a worker thread of that core (the import
 * worker): the store took the lock, checked and migrated the file, so this only sets what every writing connection
 * needs, and refuses a file of another schema than the one this code writes.
 */
export function openWorkerConnection(
  filePath: string,
  schemaVersion: number,
  busyTimeoutMs: number,
  { queryOnly = false }: { queryOnly?: boolean } = {},
): Database {
  const db = new Sqlite(filePath, { timeout: busyTimeoutMs, fileMustExist: true })
  try {
    // A reader (search, export) refuses every write: it never takes the write lock the store's writes need.
    if (queryOnly) db.pragma('query_only = ON')
    const current = db.pragma('user_version', { simple: true }) as number
    if (current !== schemaVersion) throw new Error(`the history has schema ${current}, not ${schemaVersion}`)
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    registerSearchFolding(db)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

function refuseNewerSchema(db: Database, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number
  const latest = migrations.at(-1)?.version ?? 0
  if (current > latest) {
    throw new HistoryMigrationError(
      `The history file was written by a newer version of StreamDesk (schema ${current}; this version knows up to ${latest}). ` +
        `Update StreamDesk to open it; the file was not changed.`,
    )
  }
}

async function migrate(
  db: Database,
  filePath: string,
  { migrations, now }: OpenDatabaseOptions,
): Promise<string | undefined> {
  const current = db.pragma('user_version', { simple: true }) as number
  const latest = migrations.at(-1)?.version ?? 0
  const pending = migrations.filter((m) => m.version > current)
  if (pending.length === 0) return undefined

  let backupPath: string | undefined
  const hasData = db.prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get() !== undefined
  if (hasData) {
    // Named after the schema version the copy holds; if the backup cannot be written, nothing is migrated.
    backupPath = `${filePath}.pre-migration-v${current}-${fileTimestamp(now())}`
    ensurePrivateFile(backupPath)
    await db.backup(backupPath)
  }
  try {
    db.transaction(() => {
      for (const migration of pending) {
        migration.up(db)
        db.pragma(`user_version = ${migration.version}`)
      }
    })()
  } catch (error) {
    const where = backupPath ? ` A copy made before the attempt is at ${backupPath}.` : ''
    throw new HistoryMigrationError(
      `Updating the history file to schema ${latest} failed, so it was left unchanged at schema ${current}.${where} ` +
        `(${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    )
  }
  return backupPath
}

function checkMigrationOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, i) => {
    if (migration.version !== i + 1)
      throw new Error(`Migration ${i} has version ${migration.version}; expected ${i + 1}`)
  })
}

/** A timestamp that is safe in file names on every OS: 2024-05-01T12-30-00-000Z. */
export function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-')
}
