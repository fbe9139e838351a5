import { randomBytes } from 'node:crypto'
import { readFile, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  DownloadError,
  ModelDownloader,
  partPathOf,
  type DownloadProgress,
} from '../../../src-main/core/models/model-downloader'
import { systemClock } from '../../../src-main/lib/clock'
import { nodeStoreFs, type StoreFs } from '../../../src-main/lib/content-store'
import { ManualClock } from '../../support/manual-clock'
import { startFileServer, type FileServer } from '../../fixtures/file-server'
import { freePort } from '../../support/free-port'
import { makeTempDir } from '../../support/temp-dir'
import { OUTCOME_WAIT } from '../../support/deadline'

const SIZE = 3 * 1024 * 1024 + 123

describe('ModelDownloader', () => {
  let dir: string
  let server: FileServer
  let destination: string

  beforeEach(async () => {
    dir = await makeTempDir('download')
    destination = join(dir, 'models', 'tiny.gguf')
    server = await startFileServer(randomBytes(SIZE))
  })

  afterEach(async () => {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  })

  const expectFailure = async (promise: Promise<unknown>, code: DownloadError['code']): Promise<DownloadError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(DownloadError)
    expect((error as DownloadError).code).toBe(code)
    return error as DownloadError
  }

  it('downloads into place with progress events and a verified checksum', async () => {
    const progress: DownloadProgress[] = []
    let clock = 0
    const downloader = new ModelDownloader({
      clock: { ...systemClock, now: () => (clock += 50) },
      freeSpaceMarginBytes: 0,
    })
    const result = await downloader.download({
      url: server.url,
      destination,
      expectedBytes: SIZE,
      sha256: server.sha256,
      onProgress: (p) => progress.push(p),
    })
    expect(result).toMatchObject({ path: destination, sizeBytes: SIZE, sha256: server.sha256, resumedFrom: 0 })
    expect((await readFile(destination)).equals(server.body)).toBe(true)
    expect(await readdir(join(dir, 'models'))).toEqual(['tiny.gguf'])

    const downloading = progress.filter((p) => p.phase === 'downloading')
    expect(downloading.length).toBeGreaterThan(2)
    expect(downloading[0]).toMatchObject({ receivedBytes: 0, totalBytes: SIZE })
    expect(downloading.at(-1)).toMatchObject({ receivedBytes: SIZE, totalBytes: SIZE })
    const received = downloading.map((p) => p.receivedBytes)
    expect(received).toEqual([...received].sort((a, b) => a - b))
    expect(downloading.some((p) => p.bytesPerSecond > 0)).toBe(true)
    expect(progress.at(-1)?.phase).toBe('verifying')
  })

  it('resumes with a Range request after the server drops the connection halfway', async () => {
    server.behaviour.dropAfter = { bytes: Math.floor(SIZE / 2), count: 1 }
    const downloader = new ModelDownloader({ retryDelayMs: 0, freeSpaceMarginBytes: 0 })
    const result = await downloader.download({
      url: server.url,
      destination,
      expectedBytes: SIZE,
      sha256: server.sha256,
    })

    expect(server.requests).toHaveLength(2)
    expect(server.requests[0]!.headers.range).toBeUndefined()
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(server.requests[1]!.headers.range ?? '')?.[1])
    expect(resumedAt).toBeGreaterThan(0)
    expect(resumedAt).toBeLessThanOrEqual(Math.floor(SIZE / 2))
    expect(server.requests[1]!.headers['if-range']).toBe(server.etag)
    expect(result.resumedFrom).toBe(resumedAt)
    expect((await readFile(destination)).equals(server.body)).toBe(true)
  })

  it('resumes a part left by an earlier run (an app restart), from the bytes on disk', async () => {
    server.behaviour.dropAfter = { bytes: 1024 * 1024, count: 1 }
    const first = await expectFailure(
      new ModelDownloader({ maxResumes: 0 }).download({
        url: server.url,
        destination,
        expectedBytes: SIZE,
        sha256: server.sha256,
      }),
      'network',
    )
    expect(first.resumable).toBe(true)
    expect(first.message).toMatch(/dropped the connection|closed the connection/)
    const kept = (await stat(partPathOf(destination))).size
    expect(kept).toBeGreaterThan(0)
    await expect(stat(destination)).rejects.toThrow()

    const fresh = new ModelDownloader({ freeSpaceMarginBytes: 0 })
    expect(await fresh.partialBytes(server.url, destination)).toBe(kept)
    const result = await fresh.download({ url: server.url, destination, expectedBytes: SIZE, sha256: server.sha256 })
    expect(server.requests.at(-1)!.headers.range).toBe(`bytes=${kept}-`)
    expect(result.resumedFrom).toBe(kept)
    expect((await readFile(destination)).equals(server.body)).toBe(true)
  })

  it('starts over cleanly when the server ignores Range', async () => {
    server.behaviour.dropAfter = { bytes: 1024 * 1024, count: 1 }
    await expectFailure(
      new ModelDownloader({ maxResumes: 0 }).download({ url: server.url, destination, sha256: server.sha256 }),
      'network',
    )
    server.behaviour.ignoreRange = true
    const result = await new ModelDownloader({ freeSpaceMarginBytes: 0 }).download({
      url: server.url,
      destination,
      sha256: server.sha256,
    })
    expect(server.requests.at(-1)!.headers.range).toMatch(/^bytes=\d+-$/)
    expect(result.resumedFrom).toBeGreaterThan(0)
    expect(result.sizeBytes).toBe(SIZE)
    expect((await readFile(destination)).equals(server.body)).toBe(true)
  })

  it('refuses a file whose checksum does not match, and leaves nothing behind', async () => {
    const error = await expectFailure(
      new ModelDownloader().download({ url: server.url, destination, expectedBytes: SIZE, sha256: 'ab'.repeat(32) }),
      'checksum',
    )
    expect(error.message).toMatch(/does not match its published SHA-256/)
    expect(await readdir(join(dir, 'models'))).toEqual([])
  })

  it('refuses a server offering another size before writing anything', async () => {
    await expectFailure(
      new ModelDownloader().download({ url: server.url, destination, expectedBytes: SIZE + 1 }),
      'size',
    )
    expect(await readdir(join(dir, 'models'))).toEqual([])
  })

  it('says so plainly when nothing listens (connection refused)', async () => {
    const port = await freePort()
    const error = await expectFailure(
      new ModelDownloader().download({ url: `http://127.0.0.1:${port}/model.gguf`, destination }),
      'network',
    )
    expect(error.message).toMatch(/refused the connection/)
  })

  it('says so plainly when the host name does not resolve (no network)', async () => {
    const error = await expectFailure(
      new ModelDownloader({ stallTimeoutMs: 5000 }).download({
        url: 'https://models.streamdesk.invalid/model.gguf',
        destination,
      }),
      'network',
    )
    expect(error.message).toMatch(/Cannot find models\.streamdesk\.invalid|did not answer in time/)
  })

  it('treats a server that stops sending as a dropped connection', async () => {
    server.behaviour.stallAfter = 100_000
    const error = await expectFailure(
      new ModelDownloader({ stallTimeoutMs: 300, maxResumes: 0 }).download({
        url: server.url,
        destination,
        expectedBytes: SIZE,
      }),
      'network',
    )
    expect(error.message).toMatch(/stopped sending data/)
    expect(error.resumable).toBe(true)
  })

  it('reports HTTP errors with the status', async () => {
    server.behaviour.status = 404
    expect(
      (await expectFailure(new ModelDownloader().download({ url: server.url, destination }), 'http')).message,
    ).toMatch(/HTTP 404/)
    server.behaviour.status = 503
    expect(
      (await expectFailure(new ModelDownloader().download({ url: server.url, destination }), 'http')).message,
    ).toMatch(/HTTP 503/)
  })

  it('follows a redirect, and allows only https (or http to this machine)', async () => {
    const result = await new ModelDownloader({ freeSpaceMarginBytes: 0 }).download({
      url: server.redirectUrl,
      destination,
      sha256: server.sha256,
    })
    expect(result.sizeBytes).toBe(SIZE)
    await expectFailure(
      new ModelDownloader().download({ url: 'http://example.com/model.gguf', destination }),
      'not-allowed',
    )
    await expectFailure(new ModelDownloader().download({ url: 'file:///etc/passwd', destination }), 'not-allowed')
  })

  it('cancels, keeps the part, and resumes it later', async () => {
    server.behaviour.trickle = { chunkBytes: 256 * 1024, delayMs: 30 }
    const controller = new AbortController()
    const downloader = new ModelDownloader({ freeSpaceMarginBytes: 0 })
    const error = await expectFailure(
      downloader.download({
        url: server.url,
        destination,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.receivedBytes >= 512 * 1024) controller.abort()
        },
      }),
      'cancelled',
    )
    expect(error.resumable).toBe(true)
    const kept = await downloader.partialBytes(server.url, destination)
    expect(kept).toBeGreaterThan(0)
    server.behaviour.trickle = undefined
    const result = await downloader.download({ url: server.url, destination, sha256: server.sha256 })
    expect(result.resumedFrom).toBe(kept)
    expect((await readFile(destination)).equals(server.body)).toBe(true)
  })

  it('waits on the injected clock before each resume, longer each time, and a cancel ends the wait', async () => {
    server.behaviour.dropAfter = { bytes: Math.floor(SIZE / 3), count: 2 }
    const clock = new ManualClock()
    const downloader = new ModelDownloader({ clock, retryDelayMs: 1000, freeSpaceMarginBytes: 0 })
    const done = downloader.download({ url: server.url, destination, expectedBytes: SIZE, sha256: server.sha256 })

    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1), OUTCOME_WAIT)
    expect(server.requests).toHaveLength(1)
    clock.advance(999)
    expect(clock.pendingTimers).toBe(1)
    clock.advance(1)
    await vi.waitFor(() => expect(server.requests).toHaveLength(2), OUTCOME_WAIT)

    // The second drop waits twice as long.
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1), OUTCOME_WAIT)
    clock.advance(1999)
    expect(clock.pendingTimers).toBe(1)
    expect(server.requests).toHaveLength(2)
    clock.advance(1)
    const result = await done
    expect(server.requests).toHaveLength(3)
    expect((await readFile(destination)).equals(server.body)).toBe(true)
    expect(result.sizeBytes).toBe(SIZE)

    await rm(destination)
    server.behaviour.dropAfter = { bytes: Math.floor(SIZE / 3), count: 1 }
    const controller = new AbortController()
    const cancelled = downloader.download({ url: server.url, destination, signal: controller.signal })
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1), OUTCOME_WAIT)
    controller.abort()
    await expectFailure(cancelled, 'cancelled')
    expect(clock.pendingTimers).toBe(0)
  })

  describe('disk full (simulated at the filesystem edge)', () => {
    it('refuses up front when statfs shows too little free space', async () => {
      const fs: StoreFs = { ...nodeStoreFs, freeBytes: async () => 1024 * 1024 }
      const error = await expectFailure(
        new ModelDownloader({ fs }).download({ url: server.url, destination, expectedBytes: SIZE }),
        'disk-full',
      )
      expect(error.message).toMatch(/Not enough disk space/)
      expect(server.requests).toHaveLength(0)
    })

    it('stops on ENOSPC while writing, keeps what was written, and resumes once space is free', async () => {
      const limit = 1024 * 1024 + 7
      const fullDisk: StoreFs = {
        ...nodeStoreFs,
        freeBytes: async () => Number.MAX_SAFE_INTEGER,
        async openForWrite(path, mode) {
          const file = await nodeStoreFs.openForWrite(path, mode)
          return {
            ...file,
            async write(data, position) {
              if (position + data.length > limit) {
                const room = Math.max(0, limit - position)
                if (room > 0) await file.write(data.subarray(0, room), position)
                throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
              }
              await file.write(data, position)
            },
          }
        },
      }
      const error = await expectFailure(
        new ModelDownloader({ fs: fullDisk }).download({
          url: server.url,
          destination,
          expectedBytes: SIZE,
          sha256: server.sha256,
        }),
        'disk-full',
      )
      expect(error.message).toMatch(/The disk is full after/)
      expect(error.resumable).toBe(true)
      const kept = (await stat(partPathOf(destination))).size
      expect(kept).toBeGreaterThan(0)
      expect(kept).toBeLessThanOrEqual(limit)
      expect((await readFile(partPathOf(destination))).equals(server.body.subarray(0, kept))).toBe(true)

      const result = await new ModelDownloader({ freeSpaceMarginBytes: 0 }).download({
        url: server.url,
        destination,
        expectedBytes: SIZE,
        sha256: server.sha256,
      })
      expect(result.resumedFrom).toBe(kept)
      expect((await readFile(destination)).equals(server.body)).toBe(true)
    })
  })
})
