/**
 * Where an answer goes as it arrives: its text and reasoning into the history as they stream, its column's changes
 * to the renderer (batched, one message per frame), and its end (with why it stopped, its tools and metrics) to
 * both, to the recovery journal and, for an error, to diagnostics.
 */
import type { FinalMarker } from '../../protocol/stream-protocol'
import {
  endedStopReason,
  type AnswerEnd,
  type AnswerEndDetails,
  type AnswerError,
  type FinalStatus,
} from '../../shared/answer'
import { answerCostUsd, type ModelPrice } from '../../shared/price'
import type { StreamUpdate } from '../../shared/ipc-contract'
import type { Clock } from '../../lib/clock'
import type { DiagnosticsRecorder } from '../diagnostics'
import type { AnswerDelta, ConversationLog } from './conversation-log'
import type { StreamRecovery } from './stream-recovery'
import { UpdateBatcher, type ColumnChange } from './update-batcher'

/** Which answer: a stream and one of its models. */
export interface AnswerRef {
  readonly streamId: string
  readonly modelId: string
}

export interface AnswerOutputOptions {
  conversations: ConversationLog
  emitUpdates: (updates: StreamUpdate[]) => void
  updateIntervalMs?: number
  clock: Clock
  diagnostics: DiagnosticsRecorder
  /** Cloud mode's journal of the answers still open. */
  journal: StreamRecovery | undefined
  /** The price in effect for a model now: an answer's cost is fixed when it ends, so history keeps that day's cost. */
  priceFor?: ((modelId: string) => ModelPrice | undefined) | undefined
}

export class AnswerOutput {
  private readonly batcher: UpdateBatcher
  /** Ends told to the window but not yet written to the history (see `ended`). */
  private readonly endsToWrite: (() => void)[] = []

  constructor(private readonly options: AnswerOutputOptions) {
    const emit = (updates: StreamUpdate[]) => {
      options.emitUpdates(updates)
      this.writeEnds()
    }
    this.batcher = new UpdateBatcher(emit, options.updateIntervalMs, options.clock)
  }

  /** In-order text and reasoning, kept in the history (shown with the next `show`). */
  progress({ streamId, modelId }: AnswerRef, delta: AnswerDelta): void {
    if (delta.text || delta.reasoning) this.options.conversations.progress(streamId, modelId, delta)
  }

  /** `delta`: what to append to the column's text and reasoning ('' for nothing). */
  show({ streamId, modelId }: AnswerRef, delta: AnswerDelta | '', change: ColumnChange): void {
    const { text, reasoning } = delta === '' ? { text: '' } : delta
    this.batcher.add(streamId, modelId, text, change, reasoning)
  }

  /**
   * The end goes to the window with the next batch, and into the history right after that batch is emitted: an
   * answer's end write (its whole text, the search index, an fsync) takes 10-40 ms, and several answers often end
   * together, so writing first held the last text back from the screen by as much (issue 13's final-text target).
   * The text itself is already in the history (`progress`); a crash in that frame leaves the answer interrupted.
   */
  ended(answer: AnswerRef, status: FinalStatus, error?: AnswerError, final?: FinalMarker, last?: AnswerDelta): void {
    const { streamId, modelId } = answer
    this.options.journal?.closed(streamId, modelId)
    const details = withCost(endDetailsAsEnded(status, final), this.options.priceFor?.(modelId))
    const outcome = { ...(error ? { error } : {}), ...(final?.usage ? { usage: final.usage } : {}) }
    // The renderer keeps `usage` where the columns show it today; `end` is on the ending update, and only there.
    this.show(answer, last ?? '', { status, stalled: false, ...outcome, end: details })
    this.endsToWrite.push(() =>
      this.options.conversations.finish(streamId, modelId, { status, ...outcome, ...details }),
    )
    if (status === 'error' && error) this.options.diagnostics.answerFailed(modelId, error.code)
  }

  /** Emits what is batched and writes the ends it told. */
  flush(): void {
    this.batcher.flush()
    this.writeEnds()
  }

  private writeEnds(): void {
    for (const write of this.endsToWrite.splice(0)) write()
  }
}

/**
 * The details of an answer as it ended. One that did not complete and says no reason was ended by the app itself (a
 * stop the backend never confirmed, silence, a copy that never came, a prompt the backend refused or a queued one
 * cancelled) or by an older backend (a v1 marker): its reason is the app's verdict, 'user' or 'error' as the
 * backend's own markers say, so the column and history say why. A reason the stream's marker gave is kept, even
 * for an answer the app then found damaged: it is still why the model stopped, and the error says the rest.
 */
function endDetailsAsEnded(status: FinalStatus, final: FinalMarker | undefined): AnswerEndDetails {
  const details = final ? endDetails(final) : {}
  const ended = endedStopReason(status)
  return ended && details.stopReason === undefined ? { ...details, stopReason: ended } : details
}

/** The details with the answer's estimated cost at `price`, when its token counts and the price are known. */
function withCost(details: AnswerEndDetails, price: ModelPrice | undefined): AnswerEndDetails {
  const costUsd = answerCostUsd({ ...details.usage, ...details.metrics }, price)
  return costUsd === undefined ? details : { ...details, costUsd }
}

/** A final marker carries tools and redacted blocks where its version does; read them without naming that version. */
type FinalWithDetails = FinalMarker & Partial<Pick<AnswerEnd, 'toolNames' | 'redactedReasoning'>>

/**
 * What a final marker says beyond status and error, picked by name: why the model stopped (an unknown reason is
 * 'other' with the provider's word, kept as it is), its tools, redacted blocks and metrics. Empty when it says
 * nothing more (a v1 marker without usage).
 */
export function endDetails(final: FinalWithDetails): AnswerEndDetails {
  const { usage, stopReason, rawStopReason, toolNames, redactedReasoning, metrics, quota } = final
  const details: AnswerEndDetails = {
    ...(usage ? { usage: { ...usage } } : {}),
    ...(stopReason !== undefined ? { stopReason } : {}),
    ...(rawStopReason !== undefined ? { rawStopReason } : {}),
    ...(toolNames !== undefined ? { toolNames: [...toolNames] } : {}),
    ...(redactedReasoning !== undefined ? { redactedReasoning } : {}),
    ...(metrics ? { metrics: { ...metrics } } : {}),
    ...(quota ? { quota: { ...quota } } : {}),
  }
  return details
}
