/**
 * What the chat handler learns about one model's answer besides its text: token counts, timings taken where the
 * model's bytes arrive, why it stopped, the tools it asked for, redacted reasoning blocks and reasoning signatures.
 * Everything a provider reports is bounded and checked here, so a broken or hostile value can never make the final
 * marker invalid on the wire (a receiver would refuse it, and the whole answer would look unfinished).
 */
import type { Clock } from '../lib/clock'
import {
  MAX_DURATION_MS,
  MAX_TOKEN_COUNT,
  STOP_REASONS,
  endedStopReason,
  type AnswerEndDetails,
  type AnswerMetrics,
  type FinalStatus,
  type StopReason,
} from '../shared/answer'
import { MAX_RAW_STOP_REASON_CHARS, MAX_TOOL_NAME_CHARS, MAX_TOOL_NAMES } from '../protocol/stream-protocol'
import type { ModelEvent } from './model-provider'

/** The most reasoning signatures kept per answer (Bedrock sends one per reasoning block). */
export const MAX_REASONING_SIGNATURES = 64

type TokenField = 'inputTokens' | 'outputTokens' | 'reasoningTokens'
const TOKEN_FIELDS: readonly TokenField[] = ['inputTokens', 'outputTokens', 'reasoningTokens']

export class AnswerTally {
  /** When the provider was asked for the stream: every timing counts from here. */
  private readonly startedAt: number
  private firstTokenAt: number | undefined
  private firstAnswerAt: number | undefined
  private lastEventAt: number | undefined
  private readonly tokens: Partial<Record<TokenField, number>> = {}
  private stop: { reason: StopReason; raw?: string; toolNames?: string[] } | undefined
  private redacted = 0
  /** Bedrock's signatures of the streamed reasoning blocks, in order (needed to send thinking back later). */
  readonly reasoningSignatures: string[] = []
  textChars = 0
  reasoningChars = 0

  constructor(private readonly clock: Clock) {
    this.startedAt = clock.now()
  }

  record(event: ModelEvent): void {
    const now = this.clock.now()
    this.lastEventAt = now
    switch (event.type) {
      case 'delta':
      case 'reasoning':
        if (typeof event.text !== 'string' || event.text.length === 0) return
        this.firstTokenAt ??= now
        if (event.type === 'delta') {
          this.firstAnswerAt ??= now
          this.textChars += event.text.length
        } else {
          this.reasoningChars += event.text.length
        }
        return
      case 'usage':
        // The last report wins, field by field; a count that is not a sane integer is ignored.
        for (const field of TOKEN_FIELDS) {
          const value = event[field]
          if (Number.isInteger(value) && value! >= 0 && value! <= MAX_TOKEN_COUNT) this.tokens[field] = value!
        }
        return
      case 'stop':
        this.stop = normaliseStop(event)
        return
      case 'redacted-reasoning':
        this.redacted += 1
        return
      case 'reasoning-signature':
        if (typeof event.signature === 'string' && event.signature.length > 0) {
          if (this.reasoningSignatures.length < MAX_REASONING_SIGNATURES) this.reasoningSignatures.push(event.signature)
        }
        return
    }
  }

  metrics(): AnswerMetrics | undefined {
    const since = (at: number | undefined) =>
      at === undefined ? undefined : Math.min(MAX_DURATION_MS, Math.max(0, Math.round(at - this.startedAt)))
    const firstTokenMs = since(this.firstTokenAt)
    const firstAnswerTokenMs = since(this.firstAnswerAt)
    const durationMs = since(this.lastEventAt)
    const metrics: AnswerMetrics = {
      ...this.tokens,
      ...(firstTokenMs !== undefined ? { firstTokenMs } : {}),
      ...(firstAnswerTokenMs !== undefined ? { firstAnswerTokenMs } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
    }
    return Object.keys(metrics).length > 0 ? metrics : undefined
  }

  /**
   * Why the answer ended, given how the handler ended it: the user's stop is 'user', a failure or timeout 'error',
   * and a normal end what the provider said ('end' when it said nothing).
   */
  endDetails(status: FinalStatus): AnswerEndDetails {
    const metrics = this.metrics()
    const common = {
      ...(this.redacted > 0 ? { redactedReasoning: this.redacted } : {}),
      ...(metrics ? { metrics } : {}),
    }
    const ended = endedStopReason(status)
    if (ended) return { stopReason: ended, ...common }
    const stop = this.stop ?? { reason: 'end' as const }
    return {
      stopReason: stop.reason,
      ...(stop.raw !== undefined && stop.reason === 'other' ? { rawStopReason: stop.raw } : {}),
      ...(stop.toolNames && stop.reason === 'tool-call' ? { toolNames: stop.toolNames } : {}),
      ...common,
    }
  }
}

function normaliseStop(event: Extract<ModelEvent, { type: 'stop' }>): AnswerTally['stop'] {
  const known = STOP_REASONS.includes(event.reason)
  const reason: StopReason = known ? event.reason : 'other'
  if (reason === 'other') {
    // The wire needs a word beside 'other': the provider's own, else the unknown reason itself.
    const raw = typeof event.raw === 'string' && event.raw ? event.raw : known ? '' : String(event.reason)
    return { reason, raw: cut(raw, MAX_RAW_STOP_REASON_CHARS) || 'unknown' }
  }
  const toolNames = Array.isArray(event.toolNames)
    ? event.toolNames
        .filter((name): name is string => typeof name === 'string' && name.length > 0)
        .slice(0, MAX_TOOL_NAMES)
        .map((name) => cut(name, MAX_TOOL_NAME_CHARS))
    : []
  return { reason, ...(toolNames.length > 0 ? { toolNames } : {}) }
}

/** At most `max` code units, never ending inside a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text
  const code = text.charCodeAt(max - 1)
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max)
}
