/**
 * What time makes due for the answers being streamed: one pure check, which the chat service runs from its ticker
 * (once a second while anything streams) and whose actions it applies. No clock and no state here, so every rule is
 * tested with plain data.
 */
import type { AnswerStatus } from '../../shared/answer'

/** What the check reads of an answer. */
export interface TimedAnswer {
  readonly status: AnswerStatus
  readonly lastHeardAt: number
  /** When the user pressed stop. */
  readonly stopRequestedAt: number | undefined
  /** A recovery is fetching the stored copy: it ends the answer, one way or the other. */
  readonly recovering: boolean
  /** When it was followed again after a restart (still waiting for its final marker). */
  readonly resumedSince: number | undefined
  /** When a gap in its sequence opened that was not reported yet. */
  readonly gapOpenSince: number | undefined
}

export interface TimerLimits {
  /** After stop, the backend's "stopped" chunk is awaited this long before the answer is stopped locally. */
  stopGraceMs: number
  /** An answer that hears nothing for this long is recovered, or ends with a timeout error. */
  silenceTimeoutMs: number
  /** A gap open this long stalls the answer; a resumed answer waits this long for its queued chunks. */
  gapTimeoutMs: number
  /** Whether the backend keeps a copy to complete answers from (cloud mode). */
  recoverable: boolean
}

export type DueAction =
  /** The stop grace is over: end the answer as stopped. */
  | 'end-stopped'
  /** Complete the answer from the stored copy. */
  | 'recover'
  /** Silence and no stored copy: end the answer with a timeout error. */
  | 'time-out'
  /** A gap stayed open: report it and mark the answer stalled (followed by 'recover' where a copy is kept). */
  | 'stalled'

/** The actions due at `now`, in the order of `answers` (an answer's 'stalled' before its 'recover'). */
export function dueActions<A extends TimedAnswer>(
  answers: Iterable<A>,
  now: number,
  limits: TimerLimits,
): Array<[A, DueAction]> {
  const due: Array<[A, DueAction]> = []
  for (const answer of answers) {
    for (const action of dueFor(answer, now, limits)) due.push([answer, action])
  }
  return due
}

function dueFor(answer: TimedAnswer, now: number, limits: TimerLimits): DueAction[] {
  if (answer.status !== 'streaming') return [] // queued is waiting, not silence
  if (answer.stopRequestedAt !== undefined && now - answer.stopRequestedAt >= limits.stopGraceMs) return ['end-stopped']
  if (answer.recovering) return []
  if (answer.resumedSince !== undefined) {
    // Queued chunks had their chance; the stored copy completes the rest (or says it is not there yet).
    return now - answer.resumedSince >= limits.gapTimeoutMs ? ['recover'] : []
  }
  if (now - answer.lastHeardAt >= limits.silenceTimeoutMs) return [limits.recoverable ? 'recover' : 'time-out']
  if (answer.gapOpenSince === undefined || now - answer.gapOpenSince < limits.gapTimeoutMs) return []
  return limits.recoverable ? ['stalled', 'recover'] : ['stalled']
}
