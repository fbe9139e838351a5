import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  ContentStore,
  copyIntoPlace,
  DiskFullError,
  freeSpaceShortfall,
  hashFile,
  isDiskFull,
  nodeStoreFs,
  StagedFile,
  type StoreFs,
} from '../../../src-main/lib/content-store'
import { makeTempDir } from '../../support/temp-dir'

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

async function* chunksOf(data: Buffer, size = 64 * 1024): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size)
}

/** The real filesystem, except that no file may grow past `limit` bytes: writes beyond it fail with ENOSPC. */
function diskHolding(limit: number): StoreFs {
  return {
    ...nodeStoreFs,
    async openForWrite(path, mode) {
      const file = await nodeStoreFs.openForWrite(path, mode)
      return {
        ...file,
        async write(data, position) {
          if (position + data.length <= limit) return file.write(data, position)
          const room = Math.max(0, limit - position)
          if (room > 0) await file.write(data.subarray(0, room), position)
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
        },
      }
    },
  }
}

describe('content store', () => {
  let dir: string

  beforeEach(async () => {
    dir = await makeTempDir('store')
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  describe('ContentStore', () => {
    it('stores bytes under their SHA-256 and leaves no temporary file', async () => {
      const data = randomBytes(300 * 1024 + 5)
      const store = new ContentStore(join(dir, 'blobs'))
      const stored = await store.put(chunksOf(data))
      expect(stored).toEqual({ sha256: sha256(data), sizeBytes: data.length, path: join(dir, 'blobs', sha256(data)) })
      expect((await readFile(stored.path)).equals(data)).toBe(true)
      expect(await readdir(join(dir, 'blobs'))).toEqual([sha256(data)])
      expect(await store.has(sha256(data))).toBe(true)
      expect(await store.has(sha256(Buffer.from('other')))).toBe(false)
    })

    it('keeps one copy of the same content', async () => {
      const store = new ContentStore(dir)
      const data = Buffer.from('the same attachment twice')
      const first = await store.put(chunksOf(data))
      const second = await store.put(chunksOf(data, 4))
      expect(second).toEqual(first)
      expect(await readdir(dir)).toEqual([first.sha256])
    })

    it('refuses before writing when the free space is too small for the expected size', async () => {
      const fs: StoreFs = { ...nodeStoreFs, freeBytes: async () => 1000 }
      const store = new ContentStore(dir, { fs })
      const error = await store.put(chunksOf(randomBytes(2000)), { expectedBytes: 2000 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DiskFullError)
      expect((error as DiskFullError).message).toBe('Not enough disk space. Free some space and try again.')
      expect((error as DiskFullError).freeBytes).toBe(1000)
      expect(await readdir(dir)).toEqual([])
    })

    it('says plainly that the disk is full on ENOSPC, and leaves nothing behind', async () => {
      const store = new ContentStore(dir, { fs: diskHolding(100_000) })
      const error = await store.put(chunksOf(randomBytes(300_000))).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DiskFullError)
      expect((error as Error).message).toBe('The disk is full. Free some space and try again.')
      expect(await readdir(dir)).toEqual([])
    })

    it('rejects a path for something that is not a digest', () => {
      expect(() => new ContentStore(dir).pathOf('../etc/passwd')).toThrow(/Not a SHA-256 digest/)
    })
  })

  describe('StagedFile', () => {
    it('continues a file an earlier run left, hashing the whole of it', async () => {
      const data = randomBytes(200_000)
      const path = join(dir, 'model.gguf.part')
      await writeFile(path, data.subarray(0, 70_000))
      const staged = await StagedFile.open(nodeStoreFs, path, {
        bytes: 70_000,
        hash: await hashFile(nodeStoreFs, path),
      })
      for await (const chunk of chunksOf(data.subarray(70_000), 10_000)) await staged.write(chunk)
      await staged.close()
      expect(staged.size).toBe(data.length)
      expect(staged.sha256()).toBe(sha256(data))
      await staged.commit(join(dir, 'model.gguf'))
      expect((await readFile(join(dir, 'model.gguf'))).equals(data)).toBe(true)
      expect(await readdir(dir)).toEqual(['model.gguf'])
    })

    it('cuts a failed write back, so the file holds only whole chunks', async () => {
      const path = join(dir, 'partial')
      const staged = await StagedFile.open(diskHolding(25_000), path)
      await staged.write(Buffer.alloc(10_000, 1))
      await staged.write(Buffer.alloc(10_000, 2))
      const error = await staged.write(Buffer.alloc(10_000, 3)).catch((e: unknown) => e)
      expect(isDiskFull(error)).toBe(true)
      await staged.abandon()
      expect(staged.size).toBe(20_000)
      expect((await readFile(path)).length).toBe(20_000)
    })

    it('starts empty when there is nothing to continue', async () => {
      const path = join(dir, 'fresh')
      await writeFile(path, 'stale bytes from another file')
      const staged = await StagedFile.open(nodeStoreFs, path)
      await staged.write(Buffer.from('new'))
      await staged.close()
      expect(staged.sha256()).toBe(sha256(Buffer.from('new')))
      expect(await readFile(path, 'utf8')).toBe('new')
    })
  })

  it('hashFile stops when its checkpoint throws', async () => {
    const path = join(dir, 'big')
    await writeFile(path, randomBytes(3 * 1024 * 1024))
    let chunks = 0
    const stop = () => {
      if (++chunks === 2) throw new Error('cancelled')
    }
    await expect(hashFile(nodeStoreFs, path, stop)).rejects.toThrow('cancelled')
    expect(chunks).toBe(2)
  })

  it('freeSpaceShortfall reports the free bytes only when they are too few, and nothing when statfs fails', async () => {
    const fs = (free: number): StoreFs => ({ ...nodeStoreFs, freeBytes: async () => free })
    expect(await freeSpaceShortfall(fs(1000), dir, 900, 200)).toBe(1000)
    expect(await freeSpaceShortfall(fs(1100), dir, 900, 200)).toBeUndefined()
    expect(await freeSpaceShortfall(fs(0), dir, 0)).toBeUndefined()
    const broken: StoreFs = { ...nodeStoreFs, freeBytes: () => Promise.reject(new Error('ENOSYS')) }
    expect(await freeSpaceShortfall(broken, dir, 900)).toBeUndefined()
  })

  it('isDiskFull knows ENOSPC and EDQUOT only', () => {
    expect(isDiskFull(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe(true)
    expect(isDiskFull(Object.assign(new Error('x'), { code: 'EDQUOT' }))).toBe(true)
    expect(isDiskFull(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe(false)
    expect(isDiskFull(undefined)).toBe(false)
  })

  describe('copyIntoPlace', () => {
    it('copies a file in through a temporary name', async () => {
      const data = randomBytes(50_000)
      await writeFile(join(dir, 'source'), data)
      await copyIntoPlace(join(dir, 'source'), join(dir, 'copy.gguf'))
      expect((await readFile(join(dir, 'copy.gguf'))).equals(data)).toBe(true)
      expect((await readdir(dir)).sort()).toEqual(['copy.gguf', 'source'])
    })

    it('leaves nothing behind when the copy fails', async () => {
      await expect(copyIntoPlace(join(dir, 'missing'), join(dir, 'copy.gguf'))).rejects.toMatchObject({
        code: 'ENOENT',
      })
      expect(await readdir(dir)).toEqual([])
    })
  })
})
