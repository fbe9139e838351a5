import type { FinalMarker } from '../../protocol/stream-protocol'

/** The part of a chunk message the buffer needs: its place in the sequence, its text, and the final marker. */
export interface SequencedChunk {
  seq: number
  text: string
  final?: FinalMarker
}

export interface ReorderBufferOptions {
  /** Chunks more than this far ahead of the next expected one are refused, which bounds memory per stream. */
  maxAhead?: number
  /** Text held back waiting for a gap to close, in characters, beyond which further early chunks are refused. */
  maxHeldChars?: number
}

export type AcceptOutcome =
  /** In order: `text` (possibly several chunks joined) is ready to append; `final` once the stream is complete. */
  | { kind: 'released'; text: string; final?: FinalMarker }
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
export class ReorderBuffer {
  private nextSeq = 0
  private readonly held = new Map<number, SequencedChunk>()
  private heldChars = 0
  private total: number | undefined
  private finalMarker: FinalMarker | undefined
  private gapOpenedAt: number | undefined
  private gapReported = false
  private readonly maxAhead: number
  private readonly maxHeldChars: number

  constructor(options: ReorderBufferOptions = {}) {
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

  accept(chunk: SequencedChunk, now: number): AcceptOutcome {
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
    const parts = [chunk.text]
    this.nextSeq = seq + 1
    for (let next = this.held.get(this.nextSeq); next; next = this.held.get(this.nextSeq)) {
      this.held.delete(this.nextSeq)
      this.heldChars -= next.text.length
      parts.push(next.text)
      this.nextSeq += 1
    }
    // Progress restarts the gap clock: a gap is a stall, not merely chunks still held.
    if (this.held.size === 0) this.closeGap()
    else this.openGap(now)
    const text = parts.length === 1 ? chunk.text : parts.join('')
    return this.complete ? { kind: 'released', text, final: this.finalMarker } : { kind: 'released', text }
  }

  /** Reports a gap once, when chunks have been held back for `timeoutMs` without progress; again after progress. */
  checkGap(now: number, timeoutMs: number): GapReport | undefined {
    if (this.gapOpenedAt === undefined || this.gapReported) return undefined
    const openForMs = now - this.gapOpenedAt
    if (openForMs < timeoutMs) return undefined
    this.gapReported = true
    return { missingSeq: this.nextSeq, heldChunks: this.held.size, openForMs }
  }

  get gapOpen(): boolean {
    return this.gapOpenedAt !== undefined
  }

  private hold(chunk: SequencedChunk, now: number): AcceptOutcome {
    if (chunk.seq - this.nextSeq > this.maxAhead || this.heldChars + chunk.text.length > this.maxHeldChars) {
      return { kind: 'rejected', reason: 'out-of-window' }
    }
    if (chunk.final) this.markFinal(chunk.final)
    this.held.set(chunk.seq, chunk)
    this.heldChars += chunk.text.length
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
