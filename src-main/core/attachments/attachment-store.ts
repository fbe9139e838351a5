/**
 * The attachments folder (`attachments/` in the user-data folder): files named by the SHA-256 of their content
 * (lib/content-store: temporary name, fsync, rename), so the same screenshot attached twice is stored once and a
 * reference can always be checked against its file. Reading never throws for a lost or changed file: it says which.
 */
import { createHash } from 'node:crypto'
import { readFile, readdir, rm } from 'node:fs/promises'
import { ContentStore } from '../../lib/content-store'

export type StoredBytes = { status: 'ok'; bytes: Uint8Array } | { status: 'missing' } | { status: 'damaged' }

const SHA256_HEX = /^[0-9a-f]{64}$/

export class AttachmentStore {
  private readonly content: ContentStore

  constructor(readonly directory: string) {
    // Keep 50 MB free beyond the file: a full disk would cost the history its next write.
    this.content = new ContentStore(directory, { marginBytes: 50 * 1024 * 1024 })
  }

  /** Stores the bytes (once) and returns their id, the SHA-256. */
  async put(bytes: Uint8Array): Promise<string> {
    const stored = await this.content.put(oneChunk(bytes), { expectedBytes: bytes.length })
    return stored.sha256
  }

  /** The bytes, when the file is there and still hashes to its id. */
  async read(id: string): Promise<StoredBytes> {
    if (!SHA256_HEX.test(id)) return { status: 'missing' }
    let bytes: Buffer
    try {
      bytes = await readFile(this.content.pathOf(id))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' }
      return { status: 'damaged' }
    }
    const actual = createHash('sha256').update(bytes).digest('hex')
    return actual === id ? { status: 'ok', bytes } : { status: 'damaged' }
  }

  /** Whether the file is there and intact, without keeping its bytes. */
  async check(id: string): Promise<StoredBytes['status']> {
    return (await this.read(id)).status
  }

  async remove(id: string): Promise<void> {
    if (SHA256_HEX.test(id)) await rm(this.content.pathOf(id), { force: true })
  }

  /** Every stored id (a half-written `.incoming-…` file is not one). */
  async ids(): Promise<string[]> {
    try {
      return (await readdir(this.directory)).filter((name) => SHA256_HEX.test(name))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
  }
}

async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes
}
