/**
 * Downloads one model file into the models folder: first into `<name>.part` (with `<name>.part.json` saying what it
 * is a part of), resumed with an HTTP Range request after a dropped connection, a cancel or an app restart, then
 * checked (size and SHA-256) and only then renamed into place. Nothing half-downloaded or unverified ever carries
 * the model's own name.
 *
 * - Only `https:` URLs, plus `http:` to loopback for tests; every redirect hop is held to the same rule.
 * - Resume: `Range: bytes=N-` with `If-Range` (a strong ETag, else Last-Modified). A 206 must start exactly at N;
 *   a 200 means the server ignored the range or the file changed, so the part is truncated and the download starts
 *   over cleanly. The SHA-256 covers the part already on disk (read again) plus the new bytes.
 * - A connection that drops mid-body is resumed automatically a few times; one that cannot be made at all (no
 *   network, refused, unresolvable host) fails at once with a plain message.
 * - Disk: free space is checked up front when the size is known (`statfs`), and ENOSPC while writing keeps what was
 *   written (so the download resumes once space is freed) and says so.
 *
 * The part file is a `StagedFile` (src-main/lib/content-store.ts: hashed while written, fsync, then renamed), and
 * the filesystem calls sit behind its `StoreFs`, so tests can simulate a full disk without root.
 */
import { createHash } from 'node:crypto'
import { request as httpRequest, type Agent, type ClientRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { dirname } from 'node:path'
import { isIP } from 'node:net'
import { formatBytes } from '../../shared/format-bytes'
import {
  freeSpaceShortfall,
  hashFile,
  isDiskFull,
  nodeStoreFs,
  StagedFile,
  type StoreFs,
} from '../../lib/content-store'
import { systemClock, type Clock } from '../../lib/clock'
import { errorMessage } from '../../lib/error-message'

import type { DownloadErrorCode } from '../../shared/user-message'

export type { DownloadErrorCode }

/** A download failure with a message fit to show the user as it is. */
export class DownloadError extends Error {
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    /** The part file was kept, so starting the same download again resumes it. */
    readonly resumable = false,
  ) {
    super(message)
    this.name = 'DownloadError'
  }
}

export interface DownloadProgress {
  phase: 'downloading' | 'verifying'
  receivedBytes: number
  /** Unknown until the server says (or the catalog does). */
  totalBytes?: number
  /** Over the last few seconds; 0 before there is a measure. */
  bytesPerSecond: number
}

export interface DownloadRequest {
  url: string
  /** Where the verified file ends up; the part file sits beside it. */
  destination: string
  /** From the catalog: a server offering another size is refused before any byte is written. */
  expectedBytes?: number
  /** Lower-case hex SHA-256 from the catalog; absent means size-only verification. */
  sha256?: string
  signal?: AbortSignal
  onProgress?(progress: DownloadProgress): void
}

export interface DownloadResult {
  path: string
  sizeBytes: number
  /** The file's SHA-256 as computed here (whether or not the catalog had one to compare). */
  sha256: string
  /** Bytes that were already on disk from an earlier attempt. */
  resumedFrom: number
}

export interface DownloaderOptions {
  fs?: StoreFs
  /** An agent for a URL's origin (a proxy), or undefined to connect directly. */
  agentFor?(url: URL): Agent | undefined
  /** No byte for this long (connecting or mid-body) counts as a dropped connection. */
  stallTimeoutMs?: number
  /** Automatic resumes after a connection drops mid-body, per download. */
  maxResumes?: number
  retryDelayMs?: number
  /** Keep this much space free beyond the file itself. */
  freeSpaceMarginBytes?: number
  /** Times the transfer rate and the pause before a resume; tests drive it. */
  clock?: Clock
}

const MAX_REDIRECTS = 5
const PROGRESS_INTERVAL_MS = 200
const RATE_WINDOW_MS = 3000

export function partPathOf(destination: string): string {
  return `${destination}.part`
}

function metaPathOf(destination: string): string {
  return `${destination}.part.json`
}

interface PartMeta {
  url: string
  totalBytes?: number
  /** A strong ETag or a Last-Modified date, for If-Range. */
  validator?: string
}

/** https anywhere; http only to this machine (the tests' local servers). */
export function downloadUrlProblem(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'The download address is not a valid URL.'
  }
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return undefined
  return `Only https:// downloads are allowed (not ${url.protocol}//${url.host}).`
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1')
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  return host === '::1'
}

export class ModelDownloader {
  private readonly fs: StoreFs
  private readonly stallTimeoutMs: number
  private readonly maxResumes: number
  private readonly retryDelayMs: number
  private readonly margin: number
  private readonly clock: Clock

  constructor(private readonly options: DownloaderOptions = {}) {
    this.fs = options.fs ?? nodeStoreFs
    this.stallTimeoutMs = options.stallTimeoutMs ?? 30_000
    this.maxResumes = options.maxResumes ?? 3
    this.retryDelayMs = options.retryDelayMs ?? 2000
    this.margin = options.freeSpaceMarginBytes ?? 64 * 1024 * 1024
    this.clock = options.clock ?? systemClock
  }

  /** How much of `destination` an earlier attempt left behind (0 when nothing, or the part belongs to another URL). */
  async partialBytes(url: string, destination: string): Promise<number> {
    const meta = await this.readMeta(destination)
    if (!meta || meta.url !== url) return 0
    return (await this.fs.size(partPathOf(destination))) ?? 0
  }

  /** Removes a kept part file (the user gave up on resuming it). */
  async discard(destination: string): Promise<void> {
    await this.fs.remove(partPathOf(destination))
    await this.fs.remove(metaPathOf(destination))
  }

  async download(request: DownloadRequest): Promise<DownloadResult> {
    const problem = downloadUrlProblem(request.url)
    if (problem) throw new DownloadError('not-allowed', problem)
    await this.fs.makeDirectory(dirname(request.destination)).catch((error: unknown) => {
      throw describeFsError(error, 'create the models folder', 0, request.expectedBytes)
    })
    let resumes = 0
    for (;;) {
      throwIfCancelled(request.signal, 0)
      try {
        return await this.attempt(request)
      } catch (error) {
        if (!(error instanceof DropError) || resumes >= this.maxResumes || request.signal?.aborted) {
          throw error instanceof DropError ? error.final : error
        }
        resumes++
        await sleep(this.clock, this.retryDelayMs * resumes, request.signal)
      }
    }
  }

  private async attempt(request: DownloadRequest): Promise<DownloadResult> {
    const { destination, expectedBytes } = request
    const partPath = partPathOf(destination)
    let meta = await this.readMeta(destination)
    let existing = (await this.fs.size(partPath)) ?? 0
    if (existing > 0 && (meta?.url !== request.url || (expectedBytes !== undefined && existing > expectedBytes))) {
      await this.discard(destination)
      existing = 0
      meta = undefined
    }
    const resumedFrom = existing
    if (expectedBytes !== undefined && existing === expectedBytes) {
      const hash = await hashFile(this.fs, partPath, () => throwIfCancelled(request.signal, 0))
      return this.finish(request, existing, hash.digest('hex'), resumedFrom)
    }
    if (expectedBytes !== undefined) await this.ensureFreeSpace(dirname(destination), expectedBytes - existing)

    const hash = existing > 0 ? await hashFile(this.fs, partPath) : createHash('sha256')

    const headers: Record<string, string> = {
      'accept-encoding': 'identity',
      'user-agent': 'StreamDesk model downloader',
    }
    if (existing > 0) {
      headers['range'] = `bytes=${existing}-`
      if (meta?.validator) headers['if-range'] = meta.validator
    }
    const {
      response,
      request: clientRequest,
      finalUrl,
      cause,
    } = await this.get(new URL(request.url), headers, request.signal)
    const host = finalUrl.host
    try {
      let start = 0
      let total: number | undefined
      if (response.statusCode === 206) {
        const range = parseContentRange(response.headers['content-range'])
        if (!range || range.start !== existing) {
          // A range we did not ask for: start over from nothing rather than stitch a wrong file together.
          await this.discard(destination)
          throw new DropError(
            new DownloadError('network', `${host} answered with an unexpected range; the download starts over.`, false),
          )
        }
        start = existing
        total = range.total
      } else if (response.statusCode === 200) {
        total = contentLength(response)
      } else if (response.statusCode === 416 && existing > 0) {
        // Our range starts at or past the end: the part is either complete or belongs to a changed file.
        const range = parseContentRange(response.headers['content-range'])
        if (range?.total === existing) return this.finish(request, existing, hash.digest('hex'), resumedFrom)
        await this.discard(destination)
        throw new DropError(
          new DownloadError('network', `${host} no longer has the same file; the download starts over.`, false),
        )
      } else {
        throw httpError(response, host)
      }
      if (expectedBytes !== undefined && total !== undefined && total !== expectedBytes) {
        throw new DownloadError(
          'size',
          `The server offers a file of ${formatBytes(total)}, but the catalog expects ${formatBytes(expectedBytes)}. Nothing was downloaded.`,
        )
      }
      if (expectedBytes === undefined && total !== undefined)
        await this.ensureFreeSpace(dirname(destination), total - start)

      const file = await StagedFile.open(this.fs, partPath, { bytes: start, hash }).catch((error: unknown) => {
        throw describeFsError(error, 'write the download', start, total)
      })
      await this.writeMeta(destination, {
        url: request.url,
        ...(total !== undefined ? { totalBytes: total } : {}),
        ...validatorOf(response),
      })
      const rate = new RateMeter(this.clock)
      let lastReport = 0
      const report = (force: boolean) => {
        const at = this.clock.now()
        if (!force && at - lastReport < PROGRESS_INTERVAL_MS) return
        lastReport = at
        request.onProgress?.({
          phase: 'downloading',
          receivedBytes: file.size,
          ...(total !== undefined ? { totalBytes: total } : {}),
          bytesPerSecond: rate.perSecond(),
        })
      }
      report(true)
      try {
        for await (const chunk of response as AsyncIterable<Buffer>) {
          await file.write(chunk).catch((error: unknown) => {
            throw describeFsError(error, 'write the download', file.size, total)
          })
          rate.add(chunk.length)
          report(false)
        }
      } catch (error) {
        await file.abandon()
        if (error instanceof DownloadError) throw error
        if (cause.kind === 'cancelled') throw cancelled(file.size)
        const detail = cause.kind === 'stalled' ? 'stopped sending data' : 'dropped the connection'
        throw new DropError(
          new DownloadError(
            'network',
            `${host} ${detail} after ${formatBytes(file.size)}. Start the download again to resume it.`,
            true,
          ),
        )
      }
      report(true)
      await file.close()
      if (total !== undefined && file.size < total) {
        throw new DropError(
          new DownloadError(
            'network',
            `${host} closed the connection after ${formatBytes(file.size)} of ${formatBytes(total)}. Start the download again to resume it.`,
            true,
          ),
        )
      }
      return await this.finish(request, file.size, file.sha256(), resumedFrom)
    } finally {
      clientRequest.destroy()
    }
  }

  /** Checks size and checksum, then moves the part into place; a bad file is deleted. */
  private async finish(
    request: DownloadRequest,
    size: number,
    sha256: string,
    resumedFrom: number,
  ): Promise<DownloadResult> {
    request.onProgress?.({
      phase: 'verifying',
      receivedBytes: size,
      totalBytes: request.expectedBytes ?? size,
      bytesPerSecond: 0,
    })
    if (request.expectedBytes !== undefined && size !== request.expectedBytes) {
      await this.discard(request.destination)
      throw new DownloadError(
        'size',
        `The download has ${formatBytes(size)}, not the expected ${formatBytes(request.expectedBytes)}. It was deleted; try again.`,
      )
    }
    if (request.sha256 !== undefined && sha256 !== request.sha256.toLowerCase()) {
      await this.discard(request.destination)
      throw new DownloadError(
        'checksum',
        'The downloaded file does not match its published SHA-256 checksum (it was damaged on the way or changed on the server), so it was deleted. Try again; if it keeps failing, the catalog entry is out of date.',
      )
    }
    const partPath = partPathOf(request.destination)
    await this.fs.rename(partPath, request.destination).catch((error: unknown) => {
      throw describeFsError(error, 'move the finished download into place', size, size)
    })
    await this.fs.remove(metaPathOf(request.destination))
    return { path: request.destination, sizeBytes: size, sha256, resumedFrom }
  }

  private async ensureFreeSpace(dir: string, needed: number): Promise<void> {
    const free = await freeSpaceShortfall(this.fs, dir, needed, this.margin)
    if (free !== undefined) {
      throw new DownloadError(
        'disk-full',
        `Not enough disk space: the download needs ${formatBytes(needed)} more, and only ${formatBytes(free)} is free. Free some space and try again.`,
      )
    }
  }

  private async readMeta(destination: string): Promise<PartMeta | undefined> {
    const text = await this.fs.readText(metaPathOf(destination)).catch(() => undefined)
    if (text === undefined) return undefined
    try {
      const value = JSON.parse(text) as Partial<PartMeta>
      return typeof value.url === 'string' ? (value as PartMeta) : undefined
    } catch {
      return undefined
    }
  }

  private async writeMeta(destination: string, meta: PartMeta): Promise<void> {
    await this.fs.writeText(metaPathOf(destination), JSON.stringify(meta)).catch((error: unknown) => {
      throw describeFsError(error, 'write the download', 0, meta.totalBytes)
    })
  }

  /** GET with redirects followed; every hop must pass `downloadUrlProblem`. */
  private async get(
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<{
    response: IncomingMessage
    request: ClientRequest
    finalUrl: URL
    cause: { kind: 'none' | 'cancelled' | 'stalled' }
  }> {
    let current = url
    for (let hop = 0; ; hop++) {
      const cause: { kind: 'none' | 'cancelled' | 'stalled' } = { kind: 'none' }
      const send = current.protocol === 'https:' ? httpsRequest : httpRequest
      const agent = this.options.agentFor?.(current)
      const clientRequest = send(current, { method: 'GET', headers, ...(agent ? { agent } : {}) })
      const onAbort = () => {
        cause.kind = 'cancelled'
        clientRequest.destroy(new Error('cancelled'))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      clientRequest.once('close', () => signal?.removeEventListener('abort', onAbort))
      clientRequest.setTimeout(this.stallTimeoutMs, () => {
        cause.kind = 'stalled'
        clientRequest.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }))
      })
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        clientRequest.once('response', resolve)
        clientRequest.once('error', reject)
        clientRequest.end()
      }).catch((error: unknown) => {
        if (cause.kind === 'cancelled' || signal?.aborted) throw cancelled(0)
        throw connectError(error, current.host, cause.kind === 'stalled')
      })
      const status = response.statusCode ?? 0
      const location = response.headers.location
      if (status >= 300 && status < 400 && status !== 304 && location) {
        response.resume()
        clientRequest.destroy()
        if (hop >= MAX_REDIRECTS) throw new DownloadError('http', `Too many redirects from ${url.host}.`)
        const next = new URL(location, current)
        const problem = downloadUrlProblem(next.href)
        if (problem)
          throw new DownloadError('not-allowed', `${url.host} redirected to an address that is not allowed. ${problem}`)
        current = next
        continue
      }
      return { response, request: clientRequest, finalUrl: current, cause }
    }
  }
}

/** A connection that broke mid-body: retried by `download`, or reported as `final` when retries run out. */
class DropError extends Error {
  constructor(readonly final: DownloadError) {
    super(final.message)
  }
}

class RateMeter {
  private readonly samples: Array<{ at: number; bytes: number }> = []
  constructor(private readonly clock: Clock) {}
  add(bytes: number): void {
    const at = this.clock.now()
    this.samples.push({ at, bytes })
    while (this.samples.length > 1 && at - this.samples[0]!.at > RATE_WINDOW_MS) this.samples.shift()
  }
  perSecond(): number {
    if (this.samples.length < 2) return 0
    const span = this.samples[this.samples.length - 1]!.at - this.samples[0]!.at
    if (span <= 0) return 0
    const bytes = this.samples.slice(1).reduce((sum, s) => sum + s.bytes, 0)
    return Math.round((bytes * 1000) / span)
  }
}

function parseContentRange(header: string | undefined): { start: number; total?: number } | undefined {
  if (!header) return undefined
  const unsatisfied = /^bytes \*\/(\d+)$/.exec(header.trim())
  if (unsatisfied) return { start: -1, total: Number(unsatisfied[1]) }
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim())
  if (!match) return undefined
  return { start: Number(match[1]), ...(match[3] !== '*' ? { total: Number(match[3]) } : {}) }
}

function contentLength(response: IncomingMessage): number | undefined {
  const value = response.headers['content-length']
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined
}

function validatorOf(response: IncomingMessage): { validator?: string } {
  const etag = response.headers.etag
  if (etag && !etag.startsWith('W/')) return { validator: etag }
  const modified = response.headers['last-modified']
  return modified ? { validator: modified } : {}
}

function httpError(response: IncomingMessage, host: string): DownloadError {
  const status = response.statusCode ?? 0
  response.resume()
  const reason = response.statusMessage ? ` ${response.statusMessage}` : ''
  if (status === 404)
    return new DownloadError('http', `${host} has no such file (HTTP 404). The catalog entry may be out of date.`)
  if (status === 401 || status === 403)
    return new DownloadError('http', `${host} refused the download (HTTP ${status}${reason}).`)
  if (status >= 500 || status === 429)
    return new DownloadError(
      'http',
      `${host} is not able to serve the file right now (HTTP ${status}${reason}). Try again later.`,
      true,
    )
  return new DownloadError('http', `${host} answered HTTP ${status}${reason}.`)
}

function connectError(error: unknown, host: string, stalled: boolean): DownloadError {
  const code = (error as NodeJS.ErrnoException).code
  if (stalled || code === 'ETIMEDOUT')
    return new DownloadError(
      'network',
      `${host} did not answer in time. Check the internet connection and try again.`,
      true,
    )
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DownloadError(
        'network',
        `Cannot find ${host}: no network, or the name does not resolve. Check the internet connection and try again.`,
        true,
      )
    case 'ECONNREFUSED':
      return new DownloadError(
        'network',
        `${host} refused the connection. Check the internet connection (or the proxy) and try again.`,
        true,
      )
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
    case 'ENETDOWN':
      return new DownloadError(
        'network',
        `No network route to ${host}. Check the internet connection and try again.`,
        true,
      )
    case 'ECONNRESET':
      return new DownloadError('network', `${host} closed the connection. Try again.`, true)
    default:
      if (typeof code === 'string' && /CERT|SSL|TLS/.test(code)) {
        return new DownloadError(
          'network',
          `The secure connection to ${host} failed (${code}). A proxy or firewall may be intercepting it.`,
        )
      }
      return new DownloadError('network', `Could not connect to ${host}${code ? ` (${code})` : ''}.`, true)
  }
}

function describeFsError(error: unknown, action: string, written: number, total: number | undefined): DownloadError {
  const code = (error as NodeJS.ErrnoException).code
  if (isDiskFull(error)) {
    const progress =
      written > 0 ? ` after ${formatBytes(written)}${total !== undefined ? ` of ${formatBytes(total)}` : ''}` : ''
    return new DownloadError(
      'disk-full',
      `The disk is full${progress}. Free some space, then start the download again to resume it.`,
      written > 0,
    )
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new DownloadError('io', `StreamDesk may not ${action} in the models folder (${code}).`)
  }
  return new DownloadError('io', `Could not ${action}: ${errorMessage(error)}`)
}

function cancelled(written: number): DownloadError {
  return new DownloadError('cancelled', 'The download was cancelled.', written > 0)
}

function throwIfCancelled(signal: AbortSignal | undefined, written: number): void {
  if (signal?.aborted) throw cancelled(written)
}

function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled(1))
    const timer = clock.setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms)
    const onAbort = () => (clock.clearTimeout(timer), reject(cancelled(1)))
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
