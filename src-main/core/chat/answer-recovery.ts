/**
 * Completes answers from the copy the backend kept (cloud mode), when their chunks cannot: a gap that stays open, a
 * digest that does not match, silence, or an app restart mid-answer. The copy is fetched per stream with back-off on
 * the injected clock for a bounded time, checked against its SHA-256 and against the text already shown, and only
 * then appended, so the answer on screen and in history is byte-identical to the model's. Otherwise it ends
 * incomplete, never finished. The copy's reasoning (from a stack that stores it, asked with protocol v2) is
 * restored the same way: checked against its own digest, the stream's final marker and the reasoning shown. A copy
 * without it (an older stack, or reasoning too large to store) completes the text only.
 */
import { createHash } from 'node:crypto'
import type { ArchivedAnswer } from '../../protocol/answer-archive'
import type { FinalMarker } from '../../protocol/stream-protocol'
import type { Clock, TimerHandle } from '../../lib/clock'
import type { DiagnosticsRecorder } from '../diagnostics'
import type { ModelAnswer } from './model-answer'
import type { StreamRecovery } from './stream-recovery'

/** A recovery's back-off; part of the chat service's options, and read at each attempt. */
export interface RecoveryTiming {
  /** How long a recovery keeps asking before the answer is left incomplete. */
  recoveryBudgetMs?: number
  /** First wait between two fetches of a recovery; it doubles up to `recoveryMaxDelayMs`. */
  recoveryRetryMs?: number
  recoveryMaxDelayMs?: number
}

export interface AnswerRecoveryOptions {
  source: StreamRecovery
  clock: Clock
  diagnostics: DiagnosticsRecorder
  timing: RecoveryTiming
  /** The stream's answers (those recovering and still streaming wait for the copy). */
  answers(streamId: string): ModelAnswer[]
  /**
   * The copy checked out: `rest` continues the answer's text, `reasoningRest` its reasoning (when the copy's
   * reasoning checked out too), and `final` says how it ended.
   */
  completed(answer: ModelAnswer, rest: string, final: FinalMarker, reasoningRest?: string): void
  /** The copy did not check out, or never came within the budget: the answer ends incomplete. */
  failed(answer: ModelAnswer, message: string): void
}

interface RecoveryRun {
  startedAt: number
  attempts: number
  timer?: TimerHandle
  busy: boolean
  lastProblem?: string
}

const DEFAULT_BUDGET_MS = 10 * 60_000

export class AnswerRecovery {
  private readonly runs = new Map<string, RecoveryRun>()
  private disposed = false

  constructor(private readonly options: AnswerRecoveryOptions) {}

  /** Fetches the stream's copy for its waiting answers; a run already going covers newly waiting ones too. */
  start(streamId: string): void {
    if (this.runs.has(streamId)) return
    this.runs.set(streamId, { startedAt: this.options.clock.now(), attempts: 0, busy: false })
    void this.attempt(streamId)
  }

  /** Safe to call twice. */
  dispose(): void {
    this.disposed = true
    for (const run of this.runs.values()) if (run.timer !== undefined) this.options.clock.clearTimeout(run.timer)
    this.runs.clear()
  }

  private async attempt(streamId: string): Promise<void> {
    const { source, clock, timing } = this.options
    const run = this.runs.get(streamId)
    if (!run || run.busy) return
    run.busy = true
    run.attempts += 1
    let copies: ArchivedAnswer[] = []
    try {
      copies = await source.fetch(streamId)
      run.lastProblem = undefined
    } catch (error) {
      run.lastProblem = (error as Error).message
    }
    run.busy = false
    if (this.disposed || this.runs.get(streamId) !== run) return
    for (const answer of this.waiting(streamId)) {
      const copy = copies.find((c) => c.modelId === answer.modelId)
      if (copy) this.apply(answer, copy)
    }
    const still = this.waiting(streamId)
    if (still.length === 0) {
      this.runs.delete(streamId)
      return
    }
    const elapsed = clock.now() - run.startedAt
    if (elapsed >= (timing.recoveryBudgetMs ?? DEFAULT_BUDGET_MS)) {
      this.runs.delete(streamId)
      const why = run.lastProblem
        ? `the copy kept in the cloud could not be fetched (${run.lastProblem})`
        : 'no copy of it was kept in the cloud'
      const minutes = Math.max(1, Math.round(elapsed / 60_000))
      const message = `Part of this answer never arrived, and ${why} within ${minutes} min. It is incomplete.`
      for (const answer of still) this.options.failed(answer, message)
      return
    }
    const base = timing.recoveryRetryMs ?? 1_000
    const delay = Math.min(timing.recoveryMaxDelayMs ?? 30_000, base * 2 ** (run.attempts - 1))
    run.timer = clock.setTimeout(() => {
      run.timer = undefined
      void this.attempt(streamId)
    }, delay)
  }

  private waiting(streamId: string): ModelAnswer[] {
    return this.options.answers(streamId).filter((answer) => answer.recovering && answer.status === 'streaming')
  }

  /** Completes an answer from the copy, if the copy is intact and continues exactly what is shown. */
  private apply(answer: ModelAnswer, copy: ArchivedAnswer): void {
    const intact = createHash('sha256').update(copy.text).digest('hex') === copy.sha256
    const agrees = answer.final?.sha256 === undefined || answer.final.sha256 === copy.sha256
    if (!intact || !agrees || !answer.isContinuedBy(copy.text)) {
      this.options.diagnostics.reject('recovered-mismatch')
      return this.options.failed(
        answer,
        'The copy of this answer kept in the cloud does not match the text that arrived. It is incomplete.',
      )
    }
    const rest = copy.text.slice(answer.releasedChars)
    const reasoningRest = this.reasoningRest(answer, copy)
    const { stopReason, rawStopReason, toolNames, redactedReasoning, metrics } = copy
    const final: FinalMarker = {
      total: copy.chunks,
      status: copy.status,
      sha256: copy.sha256,
      ...(copy.error ? { error: copy.error } : {}),
      ...(copy.usage ? { usage: copy.usage } : {}),
      // What the stream's lost marker said, from a copy that keeps it (protocol v2).
      ...(copy.reasoningSha256 ? { reasoningSha256: copy.reasoningSha256 } : {}),
      ...(stopReason ? { stopReason } : {}),
      ...(rawStopReason ? { rawStopReason } : {}),
      ...(toolNames?.length ? { toolNames } : {}),
      ...(redactedReasoning ? { redactedReasoning } : {}),
      ...(metrics ? { metrics } : {}),
    }
    const reasoningNote = reasoningRest ? ` and ${reasoningRest.length} of reasoning` : ''
    const note = `${answer.modelId}: completed from the stored copy (${rest.length} characters fetched${reasoningNote})`
    this.options.diagnostics.recovered(note)
    this.options.completed(answer, rest, final, reasoningRest)
  }

  /**
   * What the copy's reasoning adds to the reasoning shown, when it is intact, agrees with the stream's final marker
   * and continues what is shown; undefined otherwise (the chat service then checks the reasoning it has).
   */
  private reasoningRest(answer: ModelAnswer, copy: ArchivedAnswer): string | undefined {
    const { reasoning, reasoningSha256 } = copy
    if (reasoning === undefined || reasoningSha256 === undefined) return undefined
    const intact = createHash('sha256').update(reasoning).digest('hex') === reasoningSha256
    const agrees = answer.final?.reasoningSha256 === undefined || answer.final.reasoningSha256 === reasoningSha256
    if (!intact || !agrees || !answer.isReasoningContinuedBy(reasoning)) {
      this.options.diagnostics.reject('recovered-mismatch')
      return undefined
    }
    return reasoning.slice(answer.releasedReasoningChars)
  }
}
