import { createHash } from 'node:crypto'
import { encodeChunk, PROTOCOL_VERSION, type FinalMarker } from '../protocol/stream-protocol'
import type { Publisher } from './publisher'
import { systemClock, type Clock } from '../lib/clock'

export interface ChunkSequencerOptions {
  /**
   * How long a chunk's publish is retried before it is given up (the client then reports the gap). Long enough
   * to ride out a broker restart; the Lambda passes less when its own time runs short.
   */
  retryForMs?: number
  /** First wait between attempts; it doubles up to `maxRetryDelayMs`, with jitter so retries do not march. */
  retryBaseMs?: number
  maxRetryDelayMs?: number
  clock?: Clock
  random?: () => number
}

const DEFAULT_RETRY_FOR_MS = 30_000

/**
 * Numbers one model stream's chunks and publishes them without waiting for each to be acknowledged: the broker
 * may reorder them anyway and the client puts them back in order, so waiting would only add latency.
 */
export class ChunkSequencer {
  private nextSeq = 0
  /** Of every text sent so far, in order: the final marker carries it so the client can check the whole answer. */
  private readonly textHash = createHash('sha256')
  private readonly inFlight = new Set<Promise<void>>()
  private failures = 0
  private readonly retryForMs: number
  private readonly retryBaseMs: number
  private readonly maxRetryDelayMs: number
  private readonly clock: Clock
  private readonly random: () => number

  constructor(
    private readonly publisher: Publisher,
    private readonly topic: string,
    private readonly ids: { streamId: string; modelId: string },
    options: ChunkSequencerOptions = {},
  ) {
    this.retryForMs = options.retryForMs ?? DEFAULT_RETRY_FOR_MS
    this.retryBaseMs = options.retryBaseMs ?? 100
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000
    this.clock = options.clock ?? systemClock
    this.random = options.random ?? Math.random
  }

  get chunksSent(): number {
    return this.nextSeq
  }

  get failedPublishes(): number {
    return this.failures
  }

  send(text: string): void {
    this.textHash.update(text)
    this.publish(this.nextSeq++, text)
  }

  /** What `finish(text, …)` would put in the final marker, without sending anything (for the answer store). */
  sealFor(text: string): { total: number; sha256: string } {
    return { total: this.nextSeq + 1, sha256: this.textHash.copy().update(text).digest('hex') }
  }

  /** Sends the last chunk, carrying the final marker (`total` and `sha256` are filled in here). */
  finish(text: string, final: Omit<FinalMarker, 'total' | 'sha256'>): void {
    const seq = this.nextSeq++
    const sha256 = this.textHash.update(text).digest('hex')
    this.publish(seq, text, { ...final, total: seq + 1, sha256 })
  }

  /** Resolves when every publish has been acknowledged or given up. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight])
  }

  private publish(seq: number, text: string, final?: FinalMarker): void {
    const payload = encodeChunk({ v: PROTOCOL_VERSION, ...this.ids, seq, text, ...(final ? { final } : {}) })
    const attempt = this.publishWithRetry(payload).finally(() => this.inFlight.delete(attempt))
    this.inFlight.add(attempt)
  }

  private async publishWithRetry(payload: string): Promise<void> {
    const giveUpAt = this.clock.now() + this.retryForMs
    for (let attempt = 1; ; attempt++) {
      try {
        await this.publisher.publish(this.topic, payload)
        return
      } catch {
        const delay = Math.min(this.maxRetryDelayMs, this.retryBaseMs * 2 ** (attempt - 1)) * (0.5 + this.random() / 2)
        if (this.clock.now() + delay > giveUpAt) {
          this.failures += 1
          return
        }
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, delay))
      }
    }
  }
}
