/** Turns a failed history write into a sentence the user can act on. */

export function describeWriteError(error: unknown): string {
  return `History could not be saved: ${reason(error)}. The text stays on screen and is saved as soon as writing works again.`
}

function reason(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : ''
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'the disk is full'
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES')
    return 'the history file cannot be written to (read-only)'
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return 'the history file is in use by another program'
  if (code.startsWith('SQLITE_IOERR')) return 'the disk reported an error'
  if (code.startsWith('SQLITE_CORRUPT')) return 'the history file is damaged'
  return error instanceof Error ? error.message : String(error)
}
