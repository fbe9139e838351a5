/**
 * Replacing a small file whole (settings, tokens, window state) so that a crash or a power cut leaves either the
 * old content or the new, never half a file: the data goes to a temporary file beside the target, is flushed to
 * the disk (fsync), and only then renamed over the target (a rename within one folder is atomic).
 */
import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'

export interface AtomicWriteOptions {
  /** The new file's permissions, e.g. 0o600 for secrets (the temporary file has them from the start). */
  mode?: number
}

function temporaryPathFor(path: string): string {
  return `${path}.${randomBytes(4).toString('hex')}.tmp`
}

/** Writes `data` to `path` atomically, creating the folder if needed. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const temporary = temporaryPathFor(path)
  try {
    const file = await open(temporary, 'w', options.mode)
    try {
      await file.writeFile(data)
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}

/** The same, synchronously: for a window's `close` handler, where the process may be gone before a promise settles. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const temporary = temporaryPathFor(path)
  try {
    const fd = openSync(temporary, 'w', options.mode)
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, path)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw error
  }
}

/**
 * One file that is replaced whole on every write, the writes applied in the order they were asked for: without the
 * queue, a slow earlier write could finish last and put old content back. A failed write rejects its caller only;
 * the next write still runs.
 */
export class AtomicFile {
  private queue: Promise<void> = Promise.resolve()

  constructor(
    readonly path: string,
    private readonly options: AtomicWriteOptions = {},
  ) {}

  write(data: string | Uint8Array): Promise<void> {
    const write = this.queue.then(() => writeFileAtomic(this.path, data, this.options))
    this.queue = write.catch(() => undefined)
    return write
  }
}
