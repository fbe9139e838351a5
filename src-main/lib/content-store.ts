/**
 * Files that must never be seen half-written: model downloads, models added from disk, and (next) attachments.
 * Bytes go to a temporary name, are hashed (SHA-256) while they are written, flushed to the disk (fsync) and only
 * then renamed to their final name. Free space is checked before writing when the size is known, and a full disk
 * is recognised (ENOSPC, or EDQUOT for a quota) so callers can say so plainly.
 *
 * - `StagedFile`: one temporary file, written in order and hashed as it goes; it can continue a file an earlier
 *   run left (the model downloader's resumable `.part`), and `commit` renames it into place.
 * - `ContentStore`: a folder of files named by their SHA-256, so the same content is stored once.
 *
 * The filesystem calls sit behind `StoreFs`, so tests can simulate a full disk without root.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto'
import { constants, createReadStream } from 'node:fs'
import { copyFile, mkdir, open, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** One open file being written at explicit positions. */
export interface WritableFile {
  /** Writes the whole buffer at `position` (loops over short writes); rejects with the OS error (e.g. ENOSPC). */
  write(data: Uint8Array, position: number): Promise<void>
  truncate(length: number): Promise<void>
  sync(): Promise<void>
  close(): Promise<void>
}

/** The filesystem edge of the store (the real one by default; tests inject a full disk). */
export interface StoreFs {
  /** 'append' keeps the content; 'truncate' empties the file first. */
  openForWrite(path: string, mode: 'append' | 'truncate'): Promise<WritableFile>
  /** The file's size, or undefined when it does not exist. */
  size(path: string): Promise<number | undefined>
  /** Bytes available to this user on the filesystem holding `dir`. */
  freeBytes(dir: string): Promise<number>
  readChunks(path: string): AsyncIterable<Uint8Array>
  readText(path: string): Promise<string | undefined>
  writeText(path: string, text: string): Promise<void>
  rename(from: string, to: string): Promise<void>
  remove(path: string): Promise<void>
  makeDirectory(path: string): Promise<void>
}

/** True for the OS errors that mean "no room left": a full disk, or the user's quota used up. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

/** The disk cannot hold what was being written; the message is fit to show as it is. */
export class DiskFullError extends Error {
  override name = 'DiskFullError'
  constructor(
    message = 'The disk is full. Free some space and try again.',
    /** Bytes available when it was noticed, if known. */
    readonly freeBytes?: number,
  ) {
    super(message)
  }
}

/**
 * The free bytes in `dir` when they are fewer than `neededBytes + marginBytes`, else undefined. Also undefined when
 * the filesystem cannot say (statfs unsupported): the write itself will tell.
 */
export async function freeSpaceShortfall(
  fs: StoreFs,
  dir: string,
  neededBytes: number,
  marginBytes = 0,
): Promise<number | undefined> {
  if (neededBytes <= 0) return undefined
  let free: number
  try {
    free = await fs.freeBytes(dir)
  } catch {
    return undefined
  }
  return free < neededBytes + marginBytes ? free : undefined
}

/**
 * The SHA-256 of a file's current content, as a running hash a `StagedFile` can continue. `beforeChunk` may throw
 * to stop early (a cancelled download).
 */
export async function hashFile(fs: StoreFs, path: string, beforeChunk?: () => void): Promise<Hash> {
  const hash = createHash('sha256')
  for await (const chunk of fs.readChunks(path)) {
    beforeChunk?.()
    hash.update(chunk)
  }
  return hash
}

/** A temporary file written in order and hashed while it is written; `commit` moves it to its final name. */
export class StagedFile {
  private constructor(
    private readonly fs: StoreFs,
    readonly path: string,
    private readonly file: WritableFile,
    private readonly hash: Hash,
    private written: number,
  ) {}

  /**
   * Opens `path` empty, or continues after its first `continueAt.bytes` bytes whose hash (`continueAt.hash`, from
   * `hashFile`) the caller already has.
   */
  static async open(fs: StoreFs, path: string, continueAt?: { bytes: number; hash: Hash }): Promise<StagedFile> {
    const resume = continueAt !== undefined && continueAt.bytes > 0
    const file = await fs.openForWrite(path, resume ? 'append' : 'truncate')
    return new StagedFile(
      fs,
      path,
      file,
      resume ? continueAt.hash : createHash('sha256'),
      resume ? continueAt.bytes : 0,
    )
  }

  /** Bytes in the file so far. */
  get size(): number {
    return this.written
  }

  /**
   * Appends a chunk. On failure the file is cut back to what it held before, so it only ever holds whole chunks
   * that the hash has seen, and the OS error is rethrown (see `isDiskFull`).
   */
  async write(chunk: Uint8Array): Promise<void> {
    try {
      await this.file.write(chunk, this.written)
    } catch (error) {
      await this.file.truncate(this.written).catch(() => undefined)
      throw error
    }
    this.hash.update(chunk)
    this.written += chunk.length
  }

  /** Flushes to the disk and closes; a flush that fails (e.g. unsupported) is not fatal, the close is. */
  async close(): Promise<void> {
    await this.file.sync().catch(() => undefined)
    await this.file.close()
  }

  /** Closes without flushing, after a failure; the file stays for a later run to continue or remove. */
  async abandon(): Promise<void> {
    await this.file.close().catch(() => undefined)
  }

  /** Lower-case hex SHA-256 of everything written (call once, after the last write). */
  sha256(): string {
    return this.hash.digest('hex')
  }

  /** Renames the closed file to `destination` (the same folder, so the rename is atomic). */
  async commit(destination: string): Promise<void> {
    await this.fs.rename(this.path, destination)
  }
}

export interface StoredContent {
  sha256: string
  sizeBytes: number
  path: string
}

/** A folder of files named by their SHA-256: `put` stores bytes once, `pathOf` finds them again. */
export class ContentStore {
  private readonly fs: StoreFs
  private readonly marginBytes: number

  constructor(
    readonly directory: string,
    options: { fs?: StoreFs; /** Keep this much space free beyond the file itself. */ marginBytes?: number } = {},
  ) {
    this.fs = options.fs ?? nodeStoreFs
    this.marginBytes = options.marginBytes ?? 0
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`Not a SHA-256 digest: ${sha256.slice(0, 80)}`)
    return join(this.directory, sha256)
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.fs.size(this.pathOf(sha256))) !== undefined
  }

  /**
   * Stores the bytes under their SHA-256. `expectedBytes` (when known) is checked against the free space first.
   * Throws `DiskFullError` when the disk fills up; nothing is left behind then.
   */
  async put(chunks: AsyncIterable<Uint8Array>, options: { expectedBytes?: number } = {}): Promise<StoredContent> {
    await this.fs.makeDirectory(this.directory)
    if (options.expectedBytes !== undefined) {
      const free = await freeSpaceShortfall(this.fs, this.directory, options.expectedBytes, this.marginBytes)
      if (free !== undefined) throw new DiskFullError('Not enough disk space. Free some space and try again.', free)
    }
    const temporary = join(this.directory, `.incoming-${randomBytes(6).toString('hex')}`)
    let staged: StagedFile | undefined
    try {
      staged = await StagedFile.open(this.fs, temporary)
      for await (const chunk of chunks) await staged.write(chunk)
      await staged.close()
      const sha256 = staged.sha256()
      const path = this.pathOf(sha256)
      if (await this.has(sha256)) await this.fs.remove(temporary)
      else await staged.commit(path)
      return { sha256, sizeBytes: staged.size, path }
    } catch (error) {
      await staged?.abandon()
      await this.fs.remove(temporary).catch(() => undefined)
      throw isDiskFull(error) ? new DiskFullError() : error
    }
  }
}

/**
 * Copies a file to `destination` through a temporary name beside it (a copy-on-write clone where the filesystem
 * offers one), flushed before the rename: the destination never shows a half-copied file. OS errors are rethrown
 * (see `isDiskFull`); the temporary file never stays.
 */
export async function copyIntoPlace(source: string, destination: string): Promise<void> {
  const temporary = `${destination}.${randomBytes(4).toString('hex')}.copying`
  try {
    await copyFile(source, temporary, constants.COPYFILE_FICLONE)
    const file = await open(temporary, 'r+')
    try {
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temporary, destination)
  } finally {
    await rm(temporary, { force: true })
  }
}

/** The real filesystem. */
export const nodeStoreFs: StoreFs = {
  async openForWrite(path, mode) {
    // 'r+', not 'a': positional writes must land where we say, and the file exists when appending.
    const handle = await open(path, mode === 'truncate' ? 'w' : 'r+')
    return {
      async write(data, position) {
        let offset = 0
        while (offset < data.length) {
          const { bytesWritten } = await handle.write(data, offset, data.length - offset, position + offset)
          offset += bytesWritten
        }
      },
      truncate: (length) => handle.truncate(length),
      sync: () => handle.sync(),
      close: () => handle.close(),
    }
  },
  async size(path) {
    try {
      return (await stat(path)).size
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  },
  async freeBytes(dir) {
    const info = await statfs(dir)
    return Number(info.bavail) * Number(info.bsize)
  },
  readChunks: (path) => createReadStream(path, { highWaterMark: 1024 * 1024 }),
  async readText(path) {
    try {
      return await readFile(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  },
  writeText: (path, text) => writeFile(path, text, 'utf8'),
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path, { force: true }),
  makeDirectory: async (path) => {
    await mkdir(path, { recursive: true })
  },
}
