/**
 * Persists streaming answers without writing per chunk: every answer with new text or reasoning is written in ONE
 * append per interval (what arrived since its last write, so the bytes written stay proportional to the text
 * however long the answer grows; one append and fsync for all the answers streaming at once, not one per answer),
 * the first batch at once, and an answer's end (with its full text, in one transaction with the other ends) at
 * once. A crash therefore loses at most one interval of either.
 *
 * A write that fails (disk full, read-only or locked file, I/O error) never throws into the caller: the text
 * stays in memory, `onError` fires once when writing starts failing, and the write is retried on a timer until
 * it succeeds; `onRecovered` fires when everything pending has been written.
 */
import type { Clock, TimerHandle } from '../../lib/clock'
import { describeWriteError } from './describe-write-error'
import type { AnswerOutcome } from './history-types'

/** What arrived for one answer since its last write. */
export interface AnswerProgress {
  streamId: string
  modelId: string
  text: string
  reasoning: string
}

/** The store methods the writer needs (HistoryStore has them). */
export interface AnswerSink {
  /**
   * Appends each answer's progress, all of it or (throwing) none; for each, false when its streaming answer is
   * gone.
   */
  appendProgress(pieces: readonly AnswerProgress[]): boolean[]
  finishAnswer(streamId: string, modelId: string, outcome: AnswerOutcome): boolean
  /** Runs `write` in one transaction: all of it is committed, or none. */
  inTransaction(write: () => void): void
}

export interface HistoryWriteProblem {
  /** For the user, e.g. "History could not be saved: the disk is full. …" */
  message: string
  error: unknown
  streamId: string
  modelId: string
}

export interface AnswerWriterOptions {
  sink: AnswerSink
  clock: Clock
  /** Least time between two batches of progress writes. */
  intervalMs?: number
  /** Wait before retrying a failed write. */
  retryMs?: number
  onError?: (problem: HistoryWriteProblem) => void
  onRecovered?: () => void
  /**
   * The store had no streaming row for an answer still being written (its conversation was deleted, or another
   * process ended it): nothing more of it is saved. For diagnostics: counts only, never the text.
   */
  onAnswerGone?: (gone: GoneAnswer) => void
}

export interface GoneAnswer {
  streamId: string
  modelId: string
  /** Characters of its text that never reached the disk. */
  unsavedChars: number
}

export const DEFAULT_WRITE_INTERVAL_MS = 300
export const DEFAULT_RETRY_MS = 1_000
/** Recently ended answers remembered so a stray late delta does not start a new pending answer. */
const ENDED_REMEMBERED = 1_000

interface PendingAnswer {
  streamId: string
  modelId: string
  text: string
  reasoning: string
  /** How much of `text` and `reasoning` is on disk: the next write appends the rest. */
  savedText: number
  savedReasoning: number
  /** Text, reasoning or end not yet written. */
  dirty: boolean
  end?: Omit<AnswerOutcome, 'text'>
  /** The store has no streaming row for it (deleted conversation): nothing more to write. */
  gone: boolean
}

export class AnswerWriter {
  private readonly answers = new Map<string, PendingAnswer>()
  private readonly ended = new Set<string>()
  private readonly intervalMs: number
  private readonly retryMs: number
  private timer: TimerHandle | undefined
  private lastBatchAt = -Infinity
  private failing = false

  constructor(private readonly options: AnswerWriterOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_WRITE_INTERVAL_MS
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS
  }

  /** Call with every released (in-order, de-duplicated) text delta and the reasoning released with it. */
  append(streamId: string, modelId: string, delta: string, reasoning = ''): void {
    const answer = this.pending(streamId, modelId)
    if (!answer || answer.end || answer.gone || (delta === '' && reasoning === '')) return
    answer.text += delta
    answer.reasoning += reasoning
    answer.dirty = true
    if (this.timer !== undefined) return
    const wait = this.lastBatchAt + this.intervalMs - this.options.clock.now()
    if (wait <= 0) this.writeBatch()
    else this.timer = this.options.clock.setTimeout(() => this.writeBatch(), wait)
  }

  /**
   * An answer that resumes with `stored` already on disk (an interrupted answer reopened): what follows is
   * appended to it, and its end is written with the whole text.
   */
  resume(streamId: string, modelId: string, stored: { text: string; reasoning: string }): void {
    const answer = this.pending(streamId, modelId)
    if (!answer || answer.end || answer.gone || answer.text !== '' || answer.reasoning !== '') return
    Object.assign(answer, stored, { savedText: stored.text.length, savedReasoning: stored.reasoning.length })
  }

  /** Writes the full text and reasoning and the end status now (with everything else pending, in the same transaction). */
  finish(streamId: string, modelId: string, end: Omit<AnswerOutcome, 'text'>): void {
    const answer = this.pending(streamId, modelId)
    if (!answer || answer.end) return
    answer.end = end
    answer.dirty = true
    this.writeBatch()
  }

  /** Tries every pending write now (e.g. before the app quits); returns how many answers are still unsaved. */
  flush(): number {
    this.writeBatch()
    return this.unsavedCount
  }

  /** What is not on disk yet (e.g. when quitting while writes fail): each answer and how many characters of it. */
  unsaved(): GoneAnswer[] {
    return [...this.answers.values()]
      .filter((answer) => answer.dirty && !answer.gone)
      .map(({ streamId, modelId, text, savedText }) => ({ streamId, modelId, unsavedChars: text.length - savedText }))
  }

  /** Answers whose latest text or end is not on disk yet. */
  get unsavedCount(): number {
    let count = 0
    for (const answer of this.answers.values()) if (answer.dirty && !answer.gone) count += 1
    return count
  }

  /** Stops the timer. Call `flush()` first to write what is pending. */
  dispose(): void {
    this.cancelTimer()
    this.answers.clear()
    this.ended.clear()
  }

  /** Undefined once the answer has ended and been written. */
  private pending(streamId: string, modelId: string): PendingAnswer | undefined {
    const key = answerKey(streamId, modelId)
    if (this.ended.has(key)) return undefined
    let answer = this.answers.get(key)
    if (!answer) {
      answer = {
        streamId,
        modelId,
        text: '',
        reasoning: '',
        savedText: 0,
        savedReasoning: 0,
        dirty: false,
        gone: false,
      }
      this.answers.set(key, answer)
    }
    return answer
  }

  private writeBatch(): void {
    const { clock } = this.options
    this.cancelTimer()
    this.lastBatchAt = clock.now()
    const batch = [...this.answers.values()].filter((answer) => answer.dirty && !answer.gone)
    if (batch.length === 0) return
    // Ends in one transaction, progress in one append: each is written whole or not at all, independently.
    const failure = this.writeEnds(batch.filter((answer) => answer.end)) ?? this.writeProgress(batch)
    if (failure) {
      // What failed stays pending: retry even if no delta comes (a stream that has ended must still reach the disk).
      this.timer = clock.setTimeout(() => this.writeBatch(), this.retryMs)
      if (!this.failing) {
        this.failing = true
        const { streamId, modelId } = failure.answer
        this.options.onError?.({ message: describeWriteError(failure.error), error: failure.error, streamId, modelId })
      }
      return
    }
    if (this.failing) {
      this.failing = false
      this.options.onRecovered?.()
    }
  }

  private writeEnds(ending: readonly PendingAnswer[]): WriteFailure | undefined {
    if (ending.length === 0) return undefined
    const { sink } = this.options
    let found: boolean[] = []
    try {
      sink.inTransaction(() => {
        found = ending.map((answer) =>
          sink.finishAnswer(answer.streamId, answer.modelId, {
            ...answer.end!,
            text: answer.text,
            reasoning: answer.reasoning,
          }),
        )
      })
    } catch (error) {
      return { error, answer: ending[0]! }
    }
    ending.forEach((answer, i) => this.written(answer, found[i]!))
    return undefined
  }

  /** Called after the ends: appends for the answers of `batch` that are still streaming. */
  private writeProgress(batch: readonly PendingAnswer[]): WriteFailure | undefined {
    const progressing = batch.filter((answer) => !answer.end)
    if (progressing.length === 0) return undefined
    let found: boolean[]
    try {
      found = this.options.sink.appendProgress(
        progressing.map(({ streamId, modelId, text, reasoning, savedText, savedReasoning }) => ({
          streamId,
          modelId,
          text: text.slice(savedText),
          reasoning: reasoning.slice(savedReasoning),
        })),
      )
    } catch (error) {
      return { error, answer: progressing[0]! }
    }
    progressing.forEach((answer, i) => this.written(answer, found[i]!))
    return undefined
  }

  /** Records a successful write; `found` false: the store has no streaming row for it, nothing more is saved. */
  private written(answer: PendingAnswer, found: boolean): void {
    answer.dirty = false
    if (!found) {
      answer.gone = true
      const { streamId, modelId } = answer
      this.options.onAnswerGone?.({ streamId, modelId, unsavedChars: answer.text.length - answer.savedText })
    }
    answer.savedText = answer.text.length
    answer.savedReasoning = answer.reasoning.length
    if (answer.end || answer.gone) this.forget(answerKey(answer.streamId, answer.modelId))
  }

  private forget(key: string): void {
    this.answers.delete(key)
    this.ended.add(key)
    if (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.values().next().value!)
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return
    this.options.clock.clearTimeout(this.timer)
    this.timer = undefined
  }
}

/** What quitting could not save, for the diagnostics log: which answers, and how much of each (never the text). */
export function unsavedAtQuit(unsaved: readonly GoneAnswer[]): string {
  const answers = unsaved.map(
    ({ streamId, modelId, unsavedChars }) =>
      `${modelId} on stream ${streamId}: the last ${unsavedChars} character(s)${unsavedChars === 0 ? ' (only its end)' : ''}`,
  )
  return `history: ${unsaved.length} answer(s) could not be saved before quitting (${answers.join('; ')})`
}

interface WriteFailure {
  error: unknown
  answer: PendingAnswer
}

function answerKey(streamId: string, modelId: string): string {
  return `${streamId}\u0000${modelId}`
}
