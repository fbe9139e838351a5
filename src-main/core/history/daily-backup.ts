/**
 * One copy of the history per calendar day (local time) in `backups/` next to the file, the last few kept.
 * SQLite's online backup API copies a consistent snapshot while the app keeps writing. Copies are owner-only
 * (0600, in a 0700 folder) like the history itself.
 *
 * The backup API copies pages as they are, damaged ones included, so each copy is checked itself (`quick_check`
 * on the copy) and a copy that fails is discarded: a damaged history never replaces a backup. A backup is "good"
 * when it passes `quick_check` and holds at least one conversation; rotation keeps the newest good one whatever
 * came after it (a reset history backs up empty for days), so a restore always has something to offer.
 */
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Sqlite, { type Database } from 'better-sqlite3'
import { ensurePrivateDir, ensurePrivateFile } from '../../lib/private-files'

export const DAILY_BACKUPS_KEPT = 7
const BACKUP_NAME = /^history-\d{4}-\d{2}-\d{2}\.sqlite$/

export class DamagedBackupError extends Error {
  constructor(problem: string) {
    super(`the history failed its check (${problem}), so no backup was taken and the earlier ones are kept`)
    this.name = 'DamagedBackupError'
  }
}

export interface BackupCheck {
  ok: boolean
  /** The first problem `quick_check` (or opening the file) reported, when not ok. */
  problem?: string
  conversations: number
}

/**
 * Writes today's backup unless it exists; returns its path when one was written. Rejects with a
 * DamagedBackupError (and leaves no file) when the copy fails `quick_check`.
 */
export async function backupIfDue(
  db: Database,
  backupDir: string,
  now: Date,
  keep = DAILY_BACKUPS_KEPT,
): Promise<string | undefined> {
  const target = join(backupDir, `history-${localDate(now)}.sqlite`)
  if (existsSync(target)) return undefined
  ensurePrivateDir(backupDir)
  // Written under a temporary name first: a crash mid-copy must not leave a half file that looks like a backup.
  const partial = `${target}.partial`
  rmSync(partial, { force: true })
  ensurePrivateFile(partial)
  await db.backup(partial)
  const check = checkBackup(partial)
  if (!check.ok) {
    rmSync(partial, { force: true })
    throw new DamagedBackupError(check.problem ?? 'unknown problem')
  }
  renameSync(partial, target)
  pruneOldBackups(backupDir, keep, isGood(check) ? target : undefined)
  return target
}

export function listDailyBackups(backupDir: string): string[] {
  if (!existsSync(backupDir)) return []
  return readdirSync(backupDir)
    .filter((name) => BACKUP_NAME.test(name))
    .sort()
}

/**
 * Checks a backup: `quick_check` and its number of conversations. Never throws. The copy is opened for writing and
 * switched out of WAL mode (the backup API copies the WAL flag): a read-only open of a WAL file would leave -wal
 * and -shm files behind, and a backup should be one self-contained file.
 */
export function checkBackup(path: string): BackupCheck {
  let copy: Database | undefined
  try {
    copy = new Sqlite(path, { fileMustExist: true })
    copy.pragma('journal_mode = DELETE')
    const result = copy.pragma('quick_check', { simple: true })
    if (result !== 'ok') return { ok: false, problem: firstLine(String(result)), conversations: 0 }
    const conversations = copy.prepare('SELECT count(*) FROM conversations').pluck().get() as number
    return { ok: true, conversations }
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error), conversations: 0 }
  } finally {
    copy?.close()
  }
}

/** How many conversations a backup holds, read without changing it; undefined when it cannot be read. */
export function countConversations(path: string): number | undefined {
  let copy: Database | undefined
  try {
    copy = new Sqlite(path, { readonly: true, fileMustExist: true })
    return copy.prepare('SELECT count(*) FROM conversations').pluck().get() as number
  } catch {
    return undefined
  } finally {
    copy?.close()
  }
}

const isGood = (check: BackupCheck) => check.ok && check.conversations > 0

/** The newest backup that passes its check and holds a conversation, if any. */
export function newestGoodBackup(backupDir: string): string | undefined {
  return listDailyBackups(backupDir)
    .reverse()
    .map((name) => join(backupDir, name))
    .find((path) => isGood(checkBackup(path)))
}

/** Keeps the newest `keep` backups and the newest good one (checked only when today's is not good itself). */
function pruneOldBackups(backupDir: string, keep: number, newestGood: string | undefined): void {
  const names = listDailyBackups(backupDir)
  const doomed = names.slice(0, Math.max(0, names.length - keep))
  if (doomed.length === 0) return
  const spared = newestGood ?? newestGoodBackup(backupDir)
  for (const name of doomed) if (join(backupDir, name) !== spared) rmSync(join(backupDir, name))
}

/** quick_check lists every problem, one a line, after a `*** in database main ***` header: the first one is enough. */
function firstLine(report: string): string {
  const problem = report.split('\n').find((line) => line.trim() !== '' && !line.startsWith('***')) ?? report
  return problem.slice(0, 200)
}

function localDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
}
