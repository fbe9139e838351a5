/**
 * One model's answer in one stream, as it arrives: its chunks put back in order, the digests of the text and of the
 * reasoning released so far (checked against the final marker; the text also against a stored copy), where it
 * stands, and when things happened. It decides nothing about time: `dueActions` reads it. Every chunk counts as
 * activity, reasoning-only ones too, so a long thinking phase is not silence.
 */
import { createHash, type Hash } from 'node:crypto'
import type { FinalMarker } from '../../protocol/stream-protocol'
import { isOpenStatus, type AnswerStatus } from '../../shared/answer'
import { chunkPayload, type ChunkPayload } from './chunk-payload'
import { ReorderBuffer, type GapReport, type SequencedChunk } from './reorder-buffer'
import { ResumedAnswer } from './resumed-answer'
import type { TimedAnswer } from './stream-timers'
import type { AnswerDelta } from './conversation-log'

export type AnswerOutcome =
  | { kind: 'duplicate' }
  | { kind: 'rejected'; reason: string }
  /** Kept until what it waits for arrives. */
  | { kind: 'held' }
  /** In-order text and reasoning to append; `delivered` chunks made it. */
  | ({ kind: 'released'; delivered: number } & Released)
  /** The last of both channels: each now hashes to the final marker's digest. */
  | ({ kind: 'finished'; delivered: number; final: FinalMarker } & Released)
  /** The last of both, but a channel does not hash to its digest in the final marker (or the final has none). */
  | ({ kind: 'damaged'; delivered: number; final: FinalMarker } & Released)
  /** A resumed answer whose chunks cannot complete its text: some were lost with the last run. */
  | { kind: 'unmatched' }

/** What a chunk (or a run of them) adds to each channel: `reasoning` is absent where it adds none. */
export type Released = AnswerDelta

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex')

/** Whether `whole` begins with the `released` characters whose running digest is `digest`. */
const continues = (whole: string, released: number, digest: Hash) =>
  whole.length >= released && sha256Hex(whole.slice(0, released)) === digest.copy().digest('hex')

export class ModelAnswer implements TimedAnswer {
  /** When it went to the backend (for a prompt queued offline: when the connection returned). */
  startedAt: number
  lastHeardAt: number
  /** When its first text was released. */
  firstTextAt: number | undefined
  stalled = false
  /** A recovery is asking the backend for its stored copy. */
  recovering = false
  stopRequestedAt: number | undefined
  /** The final marker, once it arrived (its digest must match a recovered copy too). */
  final: FinalMarker | undefined
  /** Followed again after a restart: the text so far came from history, so its chunks take another path. */
  private resumed: ResumedAnswer | undefined
  private readonly buffer = new ReorderBuffer(chunkPayload)
  private readonly digest = createHash('sha256')
  private readonly reasoningDigest = createHash('sha256')
  private released = 0
  private releasedReasoning = 0

  constructor(
    readonly streamId: string,
    readonly modelId: string,
    public status: AnswerStatus,
    now: number,
  ) {
    this.startedAt = now
    this.lastHeardAt = now
  }

  /** An answer that was streaming when the app last stopped, continuing what history kept of both channels. */
  static resumed(streamId: string, modelId: string, soFar: Released, now: number): ModelAnswer {
    const answer = new ModelAnswer(streamId, modelId, 'streaming', now)
    answer.digest.update(soFar.text)
    answer.released = soFar.text.length
    answer.reasoningDigest.update(soFar.reasoning ?? '')
    answer.releasedReasoning = soFar.reasoning?.length ?? 0
    answer.resumed = new ResumedAnswer(now)
    return answer
  }

  get isOpen(): boolean {
    return isOpenStatus(this.status)
  }

  /** Length (UTF-16 code units) of the text released so far: where a recovered copy continues. */
  get releasedChars(): number {
    return this.released
  }

  get resumedSince(): number | undefined {
    return this.resumed?.since
  }

  get gapOpenSince(): number | undefined {
    return this.buffer.unreportedGapSince
  }

  /** A queued prompt went out. */
  sent(now: number): void {
    this.status = 'streaming'
    this.startedAt = now
    this.lastHeardAt = now
  }

  /** One of its chunks, in whatever order the broker delivers them (the caller passes only a streaming answer's). */
  accept(chunk: SequencedChunk<ChunkPayload>, now: number): AnswerOutcome {
    this.lastHeardAt = now
    if (this.resumed) return this.acceptResumed(chunk, this.resumed, now)
    const outcome = this.buffer.accept(chunk, now)
    if (outcome.kind !== 'released') return outcome
    const released = { text: outcome.text, ...(outcome.reasoning ? { reasoning: outcome.reasoning } : {}) }
    this.append(released, now)
    if (!outcome.final) return { kind: 'released', ...released, delivered: 1 }
    this.final = outcome.final
    const kind = this.matches(outcome.final) ? 'finished' : 'damaged'
    return { kind, ...released, delivered: 1, final: outcome.final }
  }

  /** What continues the answer, in order (chunks released, or a stored copy's verified rest). */
  append({ text, reasoning }: Released, now: number): void {
    this.digest.update(text)
    this.released += text.length
    if (text && this.firstTextAt === undefined) this.firstTextAt = now
    if (!reasoning) return
    this.reasoningDigest.update(reasoning)
    this.releasedReasoning += reasoning.length
  }

  /** Length (UTF-16 code units) of the reasoning released so far. */
  get releasedReasoningChars(): number {
    return this.releasedReasoning
  }

  /**
   * Whether the reasoning released so far is what `final` vouches for: its digest when it carries one, else none
   * at all (a sender that sent reasoning always includes the digest).
   */
  reasoningMatches(final: FinalMarker, rest = ''): boolean {
    if (final.reasoningSha256 === undefined) return this.releasedReasoning + rest.length === 0
    return this.reasoningDigest.copy().update(rest).digest('hex') === final.reasoningSha256
  }

  /** Whether `text` begins with exactly the text released so far. */
  isContinuedBy(text: string): boolean {
    return continues(text, this.released, this.digest)
  }

  /** Whether `reasoning` begins with exactly the reasoning released so far. */
  isReasoningContinuedBy(reasoning: string): boolean {
    return continues(reasoning, this.releasedReasoning, this.reasoningDigest)
  }

  /** The gap `dueActions` found due, marked reported so that it is reported once. */
  reportGap(now: number, timeoutMs: number): GapReport | undefined {
    return this.buffer.checkGap(now, timeoutMs)
  }

  requestStop(now: number): void {
    if (this.status === 'streaming') this.stopRequestedAt ??= now
  }

  /** Text moving again ends a stall: true when there was one to end. */
  clearStall(): boolean {
    const was = this.stalled
    this.stalled = false
    return was
  }

  end(status: AnswerStatus): void {
    this.status = status
    this.stalled = false
    this.recovering = false
    this.resumed = undefined
  }

  /**
   * Whether both channels released so far, each followed by its `rest`, hash to the final marker's digests. A final
   * without a text digest cannot vouch for the text, so it never matches (every sender includes one).
   */
  private matches(final: FinalMarker, rest: Released = { text: '' }): boolean {
    return (
      this.digest.copy().update(rest.text).digest('hex') === final.sha256 &&
      this.reasoningMatches(final, rest.reasoning)
    )
  }

  private acceptResumed(chunk: SequencedChunk<ChunkPayload>, resumed: ResumedAnswer, now: number): AnswerOutcome {
    const outcome = resumed.accept(chunk, (rest, final) => this.matches(final, rest))
    if (resumed.final) this.final = resumed.final
    if (outcome.kind !== 'completed') return outcome
    this.append(outcome.rest, now)
    return { kind: 'finished', ...outcome.rest, delivered: outcome.chunks, final: outcome.final }
  }
}
