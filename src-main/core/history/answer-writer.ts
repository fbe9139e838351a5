/**
 * Persists streaming answers without writing per chunk: the first delta of an answer is written at once, later
 * ones at most once per interval (the full text so far, so every write is self-contained), and the end at once.
 * A crash therefore loses at most one interval of text.
 *
 * A write that fails (disk full, read-only or locked file, I/O error) never throws into the caller: the text
 * stays in memory, `onError` fires once when writing starts failing, and the write is retried on a timer until
 * it succeeds; `onRecovered` fires when everything pending has been written.
 */
import type { Clock, TimerHandle } from '../../lib/clock'
import { describeWriteError } from './describe-write-error'
import type { AnswerOutcome } from './history-types'

/** The two store methods the writer needs (HistoryStore has them). */
export interface AnswerSink {
  saveAnswerProgress(streamId: string, modelId: string, text: string): boolean
  finishAnswer(streamId: string, modelId: string, outcome: AnswerOutcome): boolean
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
  /** Least time between two writes of one answer. */
  intervalMs?: number
  /** Wait before retrying a failed write. */
  retryMs?: number
  onError?: (problem: HistoryWriteProblem) => void
  onRecovered?: () => void
}

export const DEFAULT_WRITE_INTERVAL_MS = 300
export const DEFAULT_RETRY_MS = 1_000
/** Recently ended answers remembered so a stray late delta does not start a new pending answer. */
const ENDED_REMEMBERED = 1_000

interface PendingAnswer {
  streamId: string
  modelId: string
  text: string
  /** Text or end not yet written. */
  dirty: boolean
  end?: Omit<AnswerOutcome, 'text'>
  /** The store has no streaming row for it (deleted conversation): nothing more to write. */
  gone: boolean
  lastAttemptAt: number
  timer?: TimerHandle
}

export class AnswerWriter {
  private readonly answers = new Map<string, PendingAnswer>()
  private readonly failing = new Set<string>()
  private readonly ended = new Set<string>()
  private readonly intervalMs: number
  private readonly retryMs: number

  constructor(private readonly options: AnswerWriterOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_WRITE_INTERVAL_MS
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS
  }

  /** Call with every released (in-order, de-duplicated) text delta. */
  append(streamId: string, modelId: string, delta: string): void {
    const answer = this.pending(streamId, modelId)
    if (!answer || answer.end || answer.gone || delta === '') return
    answer.text += delta
    answer.dirty = true
    if (answer.timer !== undefined) return
    const wait = answer.lastAttemptAt + this.intervalMs - this.options.clock.now()
    if (wait <= 0) this.write(answer)
    else answer.timer = this.options.clock.setTimeout(() => this.fire(answer), wait)
  }

  /** Writes the full text and the end status now. */
  finish(streamId: string, modelId: string, end: Omit<AnswerOutcome, 'text'>): void {
    const answer = this.pending(streamId, modelId)
    if (!answer || answer.end) return
    answer.end = end
    answer.dirty = true
    this.cancelTimer(answer)
    this.write(answer)
  }

  /** Tries every pending write now (e.g. before the app quits); returns how many answers are still unsaved. */
  flush(): number {
    for (const answer of [...this.answers.values()]) {
      this.cancelTimer(answer)
      if (answer.dirty) this.write(answer)
    }
    return this.unsavedCount
  }

  /** Answers whose latest text or end is not on disk yet. */
  get unsavedCount(): number {
    let count = 0
    for (const answer of this.answers.values()) if (answer.dirty && !answer.gone) count += 1
    return count
  }

  /** Stops the timers. Call `flush()` first to write what is pending. */
  dispose(): void {
    for (const answer of this.answers.values()) this.cancelTimer(answer)
    this.answers.clear()
    this.failing.clear()
    this.ended.clear()
  }

  /** Undefined once the answer has ended and been written. */
  private pending(streamId: string, modelId: string): PendingAnswer | undefined {
    const key = answerKey(streamId, modelId)
    if (this.ended.has(key)) return undefined
    let answer = this.answers.get(key)
    if (!answer) {
      answer = { streamId, modelId, text: '', dirty: false, gone: false, lastAttemptAt: -Infinity }
      this.answers.set(key, answer)
    }
    return answer
  }

  private fire(answer: PendingAnswer): void {
    answer.timer = undefined
    if (answer.dirty) this.write(answer)
  }

  private write(answer: PendingAnswer): void {
    const { sink, clock } = this.options
    const key = answerKey(answer.streamId, answer.modelId)
    answer.lastAttemptAt = clock.now()
    try {
      const found = answer.end
        ? sink.finishAnswer(answer.streamId, answer.modelId, { ...answer.end, text: answer.text })
        : sink.saveAnswerProgress(answer.streamId, answer.modelId, answer.text)
      answer.dirty = false
      if (!found) {
        answer.gone = true
        answer.text = ''
      }
      if (answer.end) this.forget(key)
      if (this.failing.delete(key) && this.failing.size === 0) this.options.onRecovered?.()
    } catch (error) {
      // Retry even if no delta comes: the stream may have ended, and its text must still reach the disk.
      if (answer.timer === undefined) answer.timer = clock.setTimeout(() => this.fire(answer), this.retryMs)
      const firstFailure = this.failing.size === 0
      this.failing.add(key)
      if (firstFailure) {
        this.options.onError?.({ message: describeWriteError(error), error, streamId: answer.streamId, modelId: answer.modelId })
      }
    }
  }

  private forget(key: string): void {
    this.answers.delete(key)
    this.ended.add(key)
    if (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.values().next().value!)
  }

  private cancelTimer(answer: PendingAnswer): void {
    if (answer.timer === undefined) return
    this.options.clock.clearTimeout(answer.timer)
    answer.timer = undefined
  }
}

function answerKey(streamId: string, modelId: string): string {
  return `${streamId}\u0000${modelId}`
}
