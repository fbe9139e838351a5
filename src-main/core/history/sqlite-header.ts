/**
 * What a history file starts with, read from its first bytes without SQLite (which may delete a -wal file it finds
 * next to a file that is not a database): missing, empty, not SQLite, or SQLite with the schema version its header
 * holds (`user_version`, 4 bytes big-endian at offset 60 of the 100-byte header; readable however damaged the rest).
 */
import { closeSync, openSync, readSync } from 'node:fs'

export type SqliteHeader =
  { kind: 'missing' } | { kind: 'empty' } | { kind: 'foreign' } | { kind: 'sqlite'; userVersion: number | undefined }

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1')
const HEADER_BYTES = 100
const USER_VERSION_OFFSET = 60

export function readSqliteHeader(path: string): SqliteHeader {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' }
    throw error
  }
  try {
    const header = Buffer.alloc(HEADER_BYTES)
    const read = readSync(fd, header, 0, HEADER_BYTES, 0)
    if (read === 0) return { kind: 'empty' }
    if (read < MAGIC.length || !header.subarray(0, MAGIC.length).equals(MAGIC)) return { kind: 'foreign' }
    return { kind: 'sqlite', userVersion: read === HEADER_BYTES ? header.readUInt32BE(USER_VERSION_OFFSET) : undefined }
  } finally {
    closeSync(fd)
  }
}
