/**
 * One copy of the history per calendar day (local time) in `backups/` next to the file, the last few kept.
 * SQLite's online backup API copies a consistent snapshot while the app keeps writing. Copies are owner-only
 * (0600, in a 0700 folder) like the history itself.
 */
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import { ensurePrivateDir, ensurePrivateFile } from '../../lib/private-files'

export const DAILY_BACKUPS_KEPT = 7
const BACKUP_NAME = /^history-\d{4}-\d{2}-\d{2}\.sqlite$/

/** Writes today's backup unless it exists; returns its path when one was written. */
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
  renameSync(partial, target)
  pruneOldBackups(backupDir, keep)
  return target
}

export function listDailyBackups(backupDir: string): string[] {
  if (!existsSync(backupDir)) return []
  return readdirSync(backupDir)
    .filter((name) => BACKUP_NAME.test(name))
    .sort()
}

function pruneOldBackups(backupDir: string, keep: number): void {
  const names = listDailyBackups(backupDir)
  for (const name of names.slice(0, Math.max(0, names.length - keep))) rmSync(join(backupDir, name))
}

function localDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
}
