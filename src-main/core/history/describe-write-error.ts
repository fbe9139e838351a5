/** Turns a failed history write into a sentence the user can act on. */
import { truncateText } from '../../lib/truncate-text'

export function describeWriteError(error: unknown): string {
  return `History could not be saved: ${reason(error)}. The text stays on screen and is saved as soon as writing works again.`
}

/**
 * A change the user asked for (a new chat, a turn, rename, pin, delete) that SQLite refused: its transaction was
 * rolled back, so nothing that was stored is lost. Undefined for an error that is not about writing the file.
 */
export function describeFailedChange(error: unknown): string | undefined {
  const code = codeOf(error)
  if (isDiskFull(code)) return 'The disk is full: free some space; nothing was lost.'
  const known = knownReason(code)
  return known && `The history could not be changed: ${known}; nothing was lost.`
}

/**
 * A change made while the disk is full, kept in memory and shown as made (pending-changes.ts): said once, when the
 * first one is kept. The one place this sentence is built.
 */
export function describeKeptChange(): string {
  return 'The disk is full: free some space; your change is kept and will be saved when space returns.'
}

/** A change refused because too many are kept in memory already, waiting for room on the disk. */
export function describeTooManyKept(): string {
  return 'The disk is full and too many changes are waiting to be saved: free some space; this change was not made.'
}

/** A kept change (`what`: "a rename") that could not be written later for another reason than a full disk. */
export function describeLostChange(what: string, title: string, error: unknown): string {
  const why = reason(error).replace(/\.$/, '')
  return `A change made while the disk was full could not be saved (${what} in “${truncateText(title, 80)}”): ${why}.`
}

/** Whether the error says the disk (or the file system) has no room left. */
export function isDiskFullError(error: unknown): boolean {
  return isDiskFull(codeOf(error))
}

/**
 * Why writing the file failed, in words ("the disk is full"), when the error says it could not be written; undefined
 * for any other error (damage included: a read-only open would not help).
 */
export function writeFailureReason(error: unknown): string | undefined {
  const code = codeOf(error)
  return code.startsWith('SQLITE_CORRUPT') ? undefined : knownReason(code)
}

/** A change to the history that failed for a reason in `message` (the error it came from is its cause). */
export class HistoryChangeError extends Error {
  override readonly name = 'HistoryChangeError'
}

function reason(error: unknown): string {
  return knownReason(codeOf(error)) ?? (error instanceof Error ? error.message : String(error))
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : ''
}

function isDiskFull(code: string): boolean {
  return code === 'SQLITE_FULL' || code === 'ENOSPC'
}

function knownReason(code: string): string | undefined {
  if (isDiskFull(code)) return 'the disk is full'
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES')
    return 'the history file cannot be written to (read-only)'
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return 'the history file is in use by another program'
  if (code.startsWith('SQLITE_IOERR')) return 'the disk reported an error'
  if (code.startsWith('SQLITE_CORRUPT')) return 'the history file is damaged'
  return undefined
}
