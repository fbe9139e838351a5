import { createHash } from 'node:crypto'
import { encodeChunk, type FinalMarker, type ProtocolVersion } from '../protocol/stream-protocol'
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

/** What one chunk carries, per channel. */
export interface ChunkContent {
  text: string
  /** The model's reasoning; only protocol v2 and later carry it (v1 chunks drop it). */
  reasoning?: string
}

/** One model stream: its ids, and the protocol version every one of its chunks is written in. */
export interface SequencedStream {
  streamId: string
  modelId: string
  protocol: ProtocolVersion
}

/**
 * Numbers one model stream's chunks and publishes them without waiting for each to be acknowledged: the broker
 * may reorder them anyway and the client puts them back in order, so waiting would only add latency.
 * It writes the stream's protocol version: a chunk that carries nothing that version can carry (reasoning only,
 * in v1) is not sent at all, so a v1 client sees an unbroken sequence of answer text.
 */
export class ChunkSequencer {
  private nextSeq = 0
  /** Of every text sent so far, in order: the final marker carries it so the client can check the whole answer. */
  private readonly textHash = createHash('sha256')
  /** The same for the reasoning channel; its digest goes in the final marker once any reasoning was sent. */
  private readonly reasoningHash = createHash('sha256')
  private sentReasoning = false
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
    private readonly stream: SequencedStream,
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

  send(content: ChunkContent): void {
    const carried = this.carried(content)
    if (carried.text === '' && carried.reasoning === undefined) return
    this.hash(carried)
    this.publish(this.nextSeq++, carried)
  }

  /** What `finish(tail, …)` would put in the final marker, without sending anything (for the answer store). */
  sealFor(tail: ChunkContent): { total: number; sha256: string; reasoningSha256?: string } {
    const { text, reasoning } = this.carried(tail)
    const sha256 = this.textHash.copy().update(text).digest('hex')
    if (!this.sentReasoning && reasoning === undefined) return { total: this.nextSeq + 1, sha256 }
    const reasoningSha256 = this.reasoningHash
      .copy()
      .update(reasoning ?? '')
      .digest('hex')
    return { total: this.nextSeq + 1, sha256, reasoningSha256 }
  }

  /** Sends the last chunk, carrying the final marker (`total` and the digests are filled in here). */
  finish(tail: ChunkContent, final: Omit<FinalMarker, 'total' | 'sha256' | 'reasoningSha256'>): void {
    const carried = this.carried(tail)
    this.hash(carried)
    const seq = this.nextSeq++
    const sha256 = this.textHash.digest('hex')
    const reasoningSha256 = this.sentReasoning ? this.reasoningHash.digest('hex') : undefined
    this.publish(seq, carried, { ...final, total: seq + 1, sha256, ...(reasoningSha256 ? { reasoningSha256 } : {}) })
  }

  /** Resolves when every publish has been acknowledged or given up. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight])
  }

  /** The part of `content` this stream's version carries. */
  private carried({ text, reasoning }: ChunkContent): ChunkContent {
    return this.stream.protocol >= 2 && reasoning ? { text, reasoning } : { text }
  }

  private hash({ text, reasoning }: ChunkContent): void {
    this.textHash.update(text)
    if (reasoning === undefined) return
    this.reasoningHash.update(reasoning)
    this.sentReasoning = true
  }

  private publish(seq: number, content: ChunkContent, final?: FinalMarker): void {
    const { streamId, modelId, protocol } = this.stream
    const payload = encodeChunk({ v: protocol, streamId, modelId, seq, ...content, ...(final ? { final } : {}) })
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
