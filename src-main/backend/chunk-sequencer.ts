import { createHash } from 'node:crypto'
import { encodeChunk, PROTOCOL_VERSION, type FinalMarker } from '../protocol/stream-protocol'
import type { Publisher } from './publisher'
import { systemClock, type Clock } from '../lib/clock'

export interface ChunkSequencerOptions {
  /** Attempts per chunk before it is given up (the client then reports the gap). */
  maxAttempts?: number
  retryBaseMs?: number
  clock?: Clock
}

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
  private readonly maxAttempts: number
  private readonly retryBaseMs: number
  private readonly clock: Clock

  constructor(
    private readonly publisher: Publisher,
    private readonly topic: string,
    private readonly ids: { streamId: string; modelId: string },
    options: ChunkSequencerOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 3
    this.retryBaseMs = options.retryBaseMs ?? 100
    this.clock = options.clock ?? systemClock
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
    for (let attempt = 1; ; attempt++) {
      try {
        await this.publisher.publish(this.topic, payload)
        return
      } catch {
        if (attempt >= this.maxAttempts) {
          this.failures += 1
          return
        }
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.retryBaseMs * 2 ** (attempt - 1)))
      }
    }
  }
}
