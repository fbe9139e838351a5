import type { FinalMarker } from '../../protocol/stream-protocol'

/**
 * What the buffer knows of the payload it puts in order (the text today; the next channels beside it), so it never
 * learns field names: how consecutive payloads join, and how big one is.
 */
export interface PayloadKind<P> {
  /** Writes the payloads, joined in sequence order, into `target`: the released outcome, built without a copy. */
  joinInto<T extends object>(target: T, parts: readonly P[]): T & P
  /** In characters, for the bound on what is held back. */
  size(payload: P): number
}

/** The part of a chunk message the buffer needs: its place in the sequence, its payload, and the final marker. */
export type SequencedChunk<P> = P & { seq: number; final?: FinalMarker }

export interface ReorderBufferOptions {
  /** Chunks more than this far ahead of the next expected one are refused, which bounds memory per stream. */
  maxAhead?: number
  /** Text held back waiting for a gap to close, in characters, beyond which further early chunks are refused. */
  maxHeldChars?: number
}

export type AcceptOutcome<P> =
  /** In order: the payload (possibly several chunks' joined) is ready to append; `final` once the stream is complete. */
  | (P & { kind: 'released'; final?: FinalMarker })
  /** Early: kept until the missing lower numbers arrive. */
  | { kind: 'held' }
  /** Seen before (QoS 1 redelivery): dropped. */
  | { kind: 'duplicate' }
  /** Too far ahead, past the known end, after completion, or a second final with another total: dropped. */
  | { kind: 'rejected'; reason: 'out-of-window' | 'beyond-final' | 'conflicting-final' }

export interface GapReport {
  /** The lowest sequence number still missing. */
  missingSeq: number
  heldChunks: number
  openForMs: number
}

const DEFAULT_MAX_AHEAD = 4096
const DEFAULT_MAX_HELD_CHARS = 4_000_000

/**
 * Puts one model stream's chunks back in sequence order. Pure: no timers, the caller passes the time, so gap
 * detection is driven by whatever clock the caller (or a test) has.
 */
export class ReorderBuffer<P> {
  private nextSeq = 0
  private readonly held = new Map<number, SequencedChunk<P>>()
  private heldChars = 0
  private total: number | undefined
  private finalMarker: FinalMarker | undefined
  private gapOpenedAt: number | undefined
  private gapReported = false
  private readonly maxAhead: number
  private readonly maxHeldChars: number

  constructor(
    private readonly payload: PayloadKind<P>,
    options: ReorderBufferOptions = {},
  ) {
    this.maxAhead = options.maxAhead ?? DEFAULT_MAX_AHEAD
    this.maxHeldChars = options.maxHeldChars ?? DEFAULT_MAX_HELD_CHARS
  }

  get complete(): boolean {
    return this.total !== undefined && this.nextSeq === this.total
  }

  /** The next sequence number this buffer is waiting for (equals the number of chunks released). */
  get expectedSeq(): number {
    return this.nextSeq
  }

  accept(chunk: SequencedChunk<P>, now: number): AcceptOutcome<P> {
    const { seq } = chunk
    if (seq < this.nextSeq || this.held.has(seq)) return { kind: 'duplicate' }
    if (this.total !== undefined && seq >= this.total) return { kind: 'rejected', reason: 'beyond-final' }
    if (chunk.final) {
      if (this.total !== undefined && chunk.final.total !== this.total) {
        return { kind: 'rejected', reason: 'conflicting-final' }
      }
      if (this.holdsAnyFrom(chunk.final.total)) return { kind: 'rejected', reason: 'conflicting-final' }
    }
    if (seq > this.nextSeq) return this.hold(chunk, now)

    if (chunk.final) this.markFinal(chunk.final)
    const parts: P[] = [chunk]
    this.nextSeq = seq + 1
    for (let next = this.held.get(this.nextSeq); next; next = this.held.get(this.nextSeq)) {
      this.held.delete(this.nextSeq)
      this.heldChars -= this.payload.size(next)
      parts.push(next)
      this.nextSeq += 1
    }
    // Progress restarts the gap clock: a gap is a stall, not merely chunks still held.
    if (this.held.size === 0) this.closeGap()
    else this.openGap(now)
    const outcome = this.complete
      ? { kind: 'released' as const, final: this.finalMarker }
      : { kind: 'released' as const }
    return this.payload.joinInto(outcome, parts)
  }

  /** Reports a gap once, when chunks have been held back for `timeoutMs` without progress; again after progress. */
  checkGap(now: number, timeoutMs: number): GapReport | undefined {
    const since = this.unreportedGapSince
    if (since === undefined) return undefined
    const openForMs = now - since
    if (openForMs < timeoutMs) return undefined
    this.gapReported = true
    return { missingSeq: this.nextSeq, heldChunks: this.held.size, openForMs }
  }

  get gapOpen(): boolean {
    return this.gapOpenedAt !== undefined
  }

  /** When the gap `checkGap` reports next opened: undefined while none is open, or once this one was reported. */
  get unreportedGapSince(): number | undefined {
    return this.gapReported ? undefined : this.gapOpenedAt
  }

  private hold(chunk: SequencedChunk<P>, now: number): AcceptOutcome<P> {
    const size = this.payload.size(chunk)
    if (chunk.seq - this.nextSeq > this.maxAhead || this.heldChars + size > this.maxHeldChars) {
      return { kind: 'rejected', reason: 'out-of-window' }
    }
    if (chunk.final) this.markFinal(chunk.final)
    this.held.set(chunk.seq, chunk)
    this.heldChars += size
    this.gapOpenedAt ??= now
    return { kind: 'held' }
  }

  private markFinal(final: FinalMarker): void {
    this.total = final.total
    this.finalMarker = final
  }

  private openGap(now: number): void {
    this.gapOpenedAt = now
    this.gapReported = false
  }

  private closeGap(): void {
    this.gapOpenedAt = undefined
    this.gapReported = false
  }

  /** A final whose total is at or below a chunk already held contradicts what arrived before it. */
  private holdsAnyFrom(total: number): boolean {
    for (const seq of this.held.keys()) if (seq >= total) return true
    return false
  }
}
