/**
 * The text of streaming answers, appended to a plain file beside the history (`<history>.progress`) instead of the
 * database. SQLite writes whole pages: a commit every 300 ms costs at least one 4 KB page in the WAL, a new page
 * also rewrites page 1 and its parent, and the checkpoint copies each page again, so appended rows still wrote 5×
 * the text for a fast stream and 20× for a slow one. Here a write is the piece itself plus a short header, then an
 * fsync: what was appended survives a crash or a power cut like a commit with synchronous = FULL.
 *
 * Each record is [payload length u32][CRC-32 of payload u32][payload]. Reading stops at the first record that is
 * short or fails its checksum (a write the crash cut off), so what is read back is an exact prefix of what was
 * appended. A failed append cuts the file back to where it was, so a retry never follows a torn record.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { crc32 } from 'node:zlib'
import { ensurePrivateFile } from '../../lib/private-files'

export interface LoggedPiece {
  streamId: string
  modelId: string
  text: string
  reasoning: string
  writtenAt: number
}

const HEADER_BYTES = 8
/** A record longer than this is not one this code wrote (a length field of random bytes): reading stops there. */
const MAX_RECORD_BYTES = 1 << 30

export function progressLogPath(historyPath: string): string {
  return `${historyPath}.progress`
}

export class ProgressLog {
  private size: number
  /** A clear that failed: nothing may be appended after records that were already joined into the history. */
  private mustClear = false
  private readOnly = false

  private constructor(
    private readonly path: string,
    private readonly fd: number | undefined,
    /** The pieces found when the log was opened (left by a crash), in the order they were appended. */
    readonly recovered: readonly LoggedPiece[],
    size: number,
  ) {
    this.size = size
  }

  /** The log of a history opened read-only: its pieces are read, and every append is refused. */
  static readOnly(historyPath: string): ProgressLog {
    const log = new ProgressLog(historyPath, undefined, readProgressLog(historyPath), 0)
    log.readOnly = true
    return log
  }

  /** A log that keeps nothing: an in-memory history's, or a worker connection's (its core's store owns the file). */
  static none(): ProgressLog {
    return new ProgressLog('', undefined, [], 0)
  }

  /** Opens (or creates, owner-only) the log of `historyPath`; an in-memory history gets a log that keeps nothing. */
  static open(historyPath: string): ProgressLog {
    if (historyPath === ':memory:') return ProgressLog.none()
    const path = progressLogPath(historyPath)
    ensurePrivateFile(path)
    const fd = openSync(path, 'r+')
    try {
      const { pieces, validBytes } = readRecords(fd)
      // A record a crash cut off: appends go where it began.
      if (validBytes < fstatSync(fd).size) ftruncateSync(fd, validBytes)
      return new ProgressLog(path, fd, pieces, validBytes)
    } catch (error) {
      closeSync(fd)
      throw error
    }
  }

  /** Bytes of valid records in the file. */
  get bytes(): number {
    return this.size
  }

  /** Appends all `pieces` with one write and one fsync, or (throwing) none of them. */
  append(pieces: readonly LoggedPiece[]): void {
    if (this.readOnly) throw Object.assign(new Error('the history is open read-only'), { code: 'SQLITE_READONLY' })
    if (this.fd === undefined || pieces.length === 0) return
    if (this.mustClear) this.clear()
    const record = Buffer.concat(pieces.map(encodeRecord))
    try {
      let written = 0
      while (written < record.length) {
        written += writeSync(this.fd, record, written, record.length - written, this.size + written)
      }
      fsyncSync(this.fd)
    } catch (error) {
      // A full disk can take part of the write: cut it off, so the next append follows the last whole record.
      try {
        ftruncateSync(this.fd, this.size)
      } catch {
        this.mustClear = true
      }
      throw error
    }
    this.size += record.length
  }

  /** Empties the file (every piece in it is in the history now). Throws if it could not; then appends refuse. */
  clear(): void {
    if (this.fd === undefined) return
    this.mustClear = true
    ftruncateSync(this.fd, 0)
    fsyncSync(this.fd)
    this.size = 0
    this.mustClear = false
  }

  /** Closes the file, and removes it when it holds nothing (the next open creates it again). */
  close(): void {
    if (this.fd === undefined) return
    closeSync(this.fd)
    if (this.size === 0 && !this.mustClear) rmSync(this.path, { force: true })
  }
}

function encodeRecord(piece: LoggedPiece): Buffer {
  const payload = Buffer.from(
    JSON.stringify([piece.streamId, piece.modelId, piece.writtenAt, piece.text, piece.reasoning]),
    'utf8',
  )
  const header = Buffer.alloc(HEADER_BYTES)
  header.writeUInt32LE(payload.length, 0)
  header.writeUInt32LE(crc32(payload), 4)
  return Buffer.concat([header, payload])
}

/** The pieces in the log of `historyPath` (none when there is no log), read without changing it. */
export function readProgressLog(historyPath: string): LoggedPiece[] {
  let fd: number
  try {
    fd = openSync(progressLogPath(historyPath), 'r')
  } catch {
    return []
  }
  try {
    return readRecords(fd).pieces
  } finally {
    closeSync(fd)
  }
}

function readRecords(fd: number): { pieces: LoggedPiece[]; validBytes: number } {
  const data = Buffer.alloc(fstatSync(fd).size)
  let read = 0
  while (read < data.length) {
    const n = readSync(fd, data, read, data.length - read, read)
    if (n === 0) break
    read += n
  }
  const pieces: LoggedPiece[] = []
  let at = 0
  while (at + HEADER_BYTES <= read) {
    const length = data.readUInt32LE(at)
    const end = at + HEADER_BYTES + length
    if (length > MAX_RECORD_BYTES || end > read) break
    const payload = data.subarray(at + HEADER_BYTES, end)
    if (crc32(payload) !== data.readUInt32LE(at + 4)) break
    const piece = decodePayload(payload)
    if (!piece) break
    pieces.push(piece)
    at = end
  }
  return { pieces, validBytes: at }
}

function decodePayload(payload: Buffer): LoggedPiece | undefined {
  try {
    const [streamId, modelId, writtenAt, text, reasoning] = JSON.parse(payload.toString('utf8')) as unknown[]
    if (typeof streamId !== 'string' || typeof modelId !== 'string' || typeof writtenAt !== 'number') return undefined
    if (typeof text !== 'string' || typeof reasoning !== 'string') return undefined
    return { streamId, modelId, writtenAt, text, reasoning }
  } catch {
    return undefined
  }
}
