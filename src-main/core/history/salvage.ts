/**
 * Salvage of a damaged history: every row that still reads is copied into the fresh database that replaces it, so
 * a few damaged pages cost the rows on them, not the whole history. This is the approach of SQLite's own recovery
 * tool, on the tables we know: read each table in rowid order, and where a page cannot be read, skip ahead to the
 * next rowid that can (probing further and further), instead of giving up.
 *
 * The fresh database is first brought to the damaged file's schema version (read from its header, which survives
 * most damage), so rows copy column for column; the normal migrations then take it on from there. Rows whose
 * parent was lost (a turn whose conversation is gone, an answer whose turn is) are dropped, as the foreign keys
 * require. The search index is rebuilt by the tables' own triggers as rows go in.
 */
import Sqlite, { type Database } from 'better-sqlite3'
import type { Migration } from './history-migrations'
import { readSqliteHeader } from './sqlite-header'

export interface SalvageReport {
  /** Conversations in the fresh database after salvage (with at least their title). */
  conversations: number
  /** Rows copied, over every table. */
  rows: number
  /** Places where rows could not be read and were skipped. */
  damagedRanges: number
}

const NOTHING_SALVAGED: SalvageReport = { conversations: 0, rows: 0, damagedRanges: 0 }
const FIRST_ROWID = -(2 ** 53)

/** Copies what reads from `damagedPath` into `target`, an empty database. Never throws for damage. */
export function salvageInto(target: Database, damagedPath: string, migrations: readonly Migration[]): SalvageReport {
  const header = readSqliteHeader(damagedPath)
  const version = header.kind === 'sqlite' ? header.userVersion : undefined
  if (version === undefined || version < 1 || version > migrations.length) return NOTHING_SALVAGED
  let source: Database
  try {
    source = new Sqlite(damagedPath, { readonly: true, fileMustExist: true })
  } catch {
    return NOTHING_SALVAGED
  }
  try {
    target.transaction(() => {
      for (const migration of migrations.slice(0, version)) migration.up(target)
      target.pragma(`user_version = ${version}`)
    })()
    // Off while copying (rows arrive table by table, and a parent may never arrive); on again below. It cannot
    // change inside a transaction, so this runs outside one.
    target.pragma('foreign_keys = OFF')
    try {
      const report = target.transaction(() => {
        let rows = 0
        let damagedRanges = 0
        for (const table of copiedTables(target)) {
          const copied = copyTable(source, target, table)
          rows += copied.rows
          damagedRanges += copied.damagedRanges
        }
        reattachOrphanedTurns(target)
        rows -= dropOrphans(target)
        return { rows, damagedRanges }
      })()
      const conversations = target.prepare('SELECT count(*) FROM conversations').pluck().get() as number
      return { ...report, conversations }
    } finally {
      target.pragma('foreign_keys = ON')
    }
  } catch {
    return NOTHING_SALVAGED
  } finally {
    source.close()
  }
}

/** The ordinary tables of the schema: not SQLite's own, not full-text indexes and their shadow tables. */
function copiedTables(db: Database): string[] {
  const virtual = db
    .prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'")
    .pluck()
    .all()
  return db
    .prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all()
    .filter((name) => !virtual.some((index) => name === index || name.startsWith(`${index}_`)))
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`

function columnsOf(db: Database, table: string): string[] {
  return (db.pragma(`table_info(${quoted(table)})`) as Array<{ name: string }>).map((column) => column.name)
}

/** Copies `table`'s readable rows (the columns both schemas have), skipping past unreadable ones. */
function copyTable(source: Database, target: Database, table: string): { rows: number; damagedRanges: number } {
  let sourceColumns: string[]
  try {
    sourceColumns = columnsOf(source, table)
  } catch {
    return { rows: 0, damagedRanges: 1 }
  }
  const columns = columnsOf(target, table).filter((name) => sourceColumns.includes(name))
  if (columns.length === 0) return { rows: 0, damagedRanges: 0 }
  const list = columns.map(quoted).join(', ')
  const read = source.prepare(
    `SELECT rowid AS salvage_rowid, ${list} FROM ${quoted(table)} WHERE rowid > ? ORDER BY rowid`,
  )
  const nextRowid = source.prepare(`SELECT rowid FROM ${quoted(table)} WHERE rowid >= ? ORDER BY rowid LIMIT 1`).pluck()
  const write = target.prepare(
    `INSERT OR IGNORE INTO ${quoted(table)} (${list}) VALUES (${columns.map(() => '?').join(', ')})`,
  )
  let rows = 0
  let damagedRanges = 0
  /** The last rowid read or known unreadable: reading resumes after it. */
  let after = FIRST_ROWID
  for (;;) {
    try {
      for (const row of read.iterate(after) as Iterable<Record<string, unknown>>) {
        after = row['salvage_rowid'] as number
        try {
          if (write.run(columns.map((name) => row[name])).changes > 0) rows++
        } catch {
          // A row that reads but breaks a rule of the schema (a damaged value): left out.
        }
      }
      return { rows, damagedRanges }
    } catch {
      damagedRanges++
      // The row after `after` is unreadable: find the next rowid past it that reads, probing 1, 2, 4… ahead.
      const resume = probePastDamage(nextRowid, after + 1)
      if (resume === undefined) return { rows, damagedRanges }
      after = resume - 1
    }
  }
}

function probePastDamage(nextRowid: Sqlite.Statement<[number], unknown>, bad: number): number | undefined {
  for (let step = 1; bad + step < 2 ** 53; step *= 2) {
    try {
      const found = nextRowid.get(bad + step) as number | undefined
      return found
    } catch {
      // Still inside the damage: look further ahead.
    }
  }
  return undefined
}

/**
 * A turn whose parent turn was lost follows the nearest earlier turn of its conversation that survived instead (or
 * starts it), so one lost turn does not take every later turn of the conversation with it.
 */
function reattachOrphanedTurns(db: Database): void {
  if (!columnsOf(db, 'turns').includes('parent_turn_id')) return
  db.exec(`
    UPDATE turns SET parent_turn_id = (
      SELECT earlier.id FROM turns AS earlier
      WHERE earlier.conversation_id = turns.conversation_id AND earlier.position < turns.position
      ORDER BY earlier.position DESC LIMIT 1
    )
    WHERE parent_turn_id IS NOT NULL AND parent_turn_id NOT IN (SELECT id FROM turns)
  `)
}

/** Deletes rows whose parent row was lost, until none is left; returns how many. */
function dropOrphans(db: Database): number {
  let dropped = 0
  for (;;) {
    const orphans = db.pragma('foreign_key_check') as Array<{ table: string; rowid: number }>
    if (orphans.length === 0) return dropped
    for (const { table, rowid } of orphans) {
      dropped += db.prepare(`DELETE FROM ${quoted(table)} WHERE rowid = ?`).run(rowid).changes
    }
  }
}
