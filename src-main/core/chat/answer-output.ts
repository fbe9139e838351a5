/**
 * Where an answer goes as it arrives: its text into the history as it streams, its column's changes to the renderer
 * (batched, one message per frame), and its end to both, to the recovery journal and, for an error, to diagnostics.
 */
import type { FinalMarker } from '../../protocol/stream-protocol'
import type { AnswerError, FinalStatus } from '../../shared/answer'
import type { StreamUpdate } from '../../shared/ipc-contract'
import type { Clock } from '../../lib/clock'
import type { DiagnosticsRecorder } from '../diagnostics'
import type { ConversationLog } from './conversation-log'
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
}

export class AnswerOutput {
  private readonly batcher: UpdateBatcher

  constructor(private readonly options: AnswerOutputOptions) {
    this.batcher = new UpdateBatcher(options.emitUpdates, options.updateIntervalMs, options.clock)
  }

  /** In-order text, kept in the history (shown with the next `show`). */
  progress({ streamId, modelId }: AnswerRef, text: string): void {
    if (text) this.options.conversations.progress(streamId, modelId, text)
  }

  show({ streamId, modelId }: AnswerRef, append: string, change: ColumnChange): void {
    this.batcher.add(streamId, modelId, append, change)
  }

  ended(answer: AnswerRef, status: FinalStatus, error?: AnswerError, final?: FinalMarker, lastText = ''): void {
    const { streamId, modelId } = answer
    this.options.journal?.closed(streamId, modelId)
    const outcome = { ...(error ? { error } : {}), ...(final?.usage ? { usage: final.usage } : {}) }
    this.options.conversations.finish(streamId, modelId, { status, ...outcome })
    this.show(answer, lastText, { status, stalled: false, ...outcome })
    if (status === 'error' && error) this.options.diagnostics.error(`${modelId}: ${error.code}: ${error.message}`)
  }

  flush(): void {
    this.batcher.flush()
  }
}
