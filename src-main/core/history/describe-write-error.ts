import { truncateText } from '../../lib/truncate-text'
import { userMessage, type KeptChangeKind, type UserMessage, type WriteFailure } from '../../shared/user-message'
import { UserFacingError } from '../user-facing-error'

/** Turns a failed history write into a sentence the user can act on (English, for the log). */

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
 * first one is kept.
 */
export function keptChangeMessage(): UserMessage {
  return userMessage('history:change-kept', {})
}

/** A change refused because too many are kept in memory already, waiting for room on the disk. */
export function tooManyKeptError(): UserFacingError {
  return new UserFacingError(
    'The disk is full and too many changes are waiting to be saved: free some space; this change was not made.',
    userMessage('history:too-many-kept', {}),
  )
}

/**
 * A kept change that could not be written later for another reason than a full disk: the English for the log
 * (`what`: "a rename") and the user's message, with the reason as its detail.
 */
export function describeLostChange(
  change: KeptChangeKind,
  what: string,
  title: string,
  error: unknown,
): { english: string; message: UserMessage } {
  const why = reason(error).replace(/\.$/, '')
  const shortTitle = truncateText(title, 80)
  return {
    english: `A change made while the disk was full could not be saved (${what} in “${shortTitle}”): ${why}.`,
    message: userMessage('history:kept-change-lost', { change, title: shortTitle }, why),
  }
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

/**
 * A change to the history that failed for a reason in `message` (the error it came from is its cause). `failure`:
 * the error the user's words are about, when that is not the cause (a store read-only because the disk was full).
 */
export class HistoryChangeError extends UserFacingError {
  override readonly name = 'HistoryChangeError'
  constructor(message: string, options: { cause: unknown; failure?: unknown }) {
    const failure = options.failure ?? options.cause
    const reason = writeFailureOf(failure)
    super(
      message,
      reason
        ? userMessage('history:change-failed', { reason })
        : userMessage('history:change-failed', {}, failure instanceof Error ? failure.message : String(failure)),
      { cause: options.cause },
    )
  }
}

/** What kind of write failure an error is, for the user's words (undefined: the error's own text says it). */
export function writeFailureOf(error: unknown): WriteFailure | undefined {
  const code = codeOf(error)
  if (isDiskFull(code)) return 'disk-full'
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES') return 'read-only'
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy'
  if (code.startsWith('SQLITE_IOERR')) return 'disk-error'
  if (code.startsWith('SQLITE_CORRUPT')) return 'damaged'
  return undefined
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
