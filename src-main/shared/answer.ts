/**
 * One model's answer, as every layer names it: the wire protocol, the history store, the IPC contract and the
 * renderer all take their status words, stop reasons and metrics from here, so none declares its own copy.
 *
 * Plain types and constant lists only (no zod, no Node): the renderer imports this file too. The wire protocol builds
 * its validating schemas from these lists.
 */

/**
 * Every status an answer can have somewhere:
 * - 'queued': waiting for the connection to the broker (sent when it returns, or cancelled with stop);
 * - 'streaming': chunks are arriving;
 * - 'complete' | 'stopped' | 'error': how a stream the app saw to its end finished;
 * - 'interrupted': the app stopped (crash, kill, power loss) while the answer was still streaming.
 */
export const ANSWER_STATUSES = ['queued', 'streaming', 'complete', 'stopped', 'error', 'interrupted'] as const
export type AnswerStatus = (typeof ANSWER_STATUSES)[number]

/** How a stream ends: what a final marker on the wire can say, and what the app records when it ends one itself. */
export const FINAL_STATUSES = ['complete', 'stopped', 'error'] as const
export type FinalStatus = (typeof FINAL_STATUSES)[number]

/** What the history store keeps: an answer is stored once it is sent, so it is never 'queued' there. */
export const STORED_STATUSES = ['streaming', 'complete', 'stopped', 'error', 'interrupted'] as const
export type StoredStatus = (typeof STORED_STATUSES)[number]

/** Still going: the column shows a spinner and a stop button. */
export const isOpenStatus = (status: AnswerStatus): status is 'queued' | 'streaming' =>
  status === 'queued' || status === 'streaming'

/**
 * Why the model stopped, normalised across providers (OpenAI `finish_reason`, Bedrock `stopReason`, …):
 * - 'end': the model finished its answer;
 * - 'max-tokens': cut off at the token limit;
 * - 'content-filter': blocked by the provider's content filter;
 * - 'guardrail': stopped by a guardrail;
 * - 'tool-call': the model asked to call a tool;
 * - 'stop-sequence': a stop sequence was generated;
 * - 'user': the user pressed stop;
 * - 'error': the stream failed.
 * A reason the app does not know travels as 'other' with its raw name, which the UI shows as it is.
 */
export const STOP_REASONS = [
  'end',
  'max-tokens',
  'content-filter',
  'guardrail',
  'tool-call',
  'stop-sequence',
  'user',
  'error',
  'other',
] as const
export type StopReason = (typeof STOP_REASONS)[number]

/**
 * Why an answer ended that was not the model's to say: the user stopped it ('user'), or it failed ('error'). A
 * complete answer has none here: its reason is the model's.
 */
export function endedStopReason(status: FinalStatus): StopReason | undefined {
  return status === 'stopped' ? 'user' : status === 'error' ? 'error' : undefined
}

/** What the backend's spend guard limits per user: tokens per UTC day and month, prompts streaming at once. */
export const QUOTA_KINDS = ['daily-tokens', 'monthly-tokens', 'concurrent-streams'] as const
export type QuotaKind = (typeof QUOTA_KINDS)[number]

/** Why the spend guard refused a prompt: which limit, its size, and when a token budget resets (epoch ms, UTC). */
export interface QuotaExceeded {
  kind: QuotaKind
  limit: number
  resetsAt?: number
  /** The prompt's worst case, when it alone is larger than the whole budget (shorter or fewer models will do). */
  requested?: number
}

/** The most a token count may be anywhere (a hostile or broken count above it is refused). */
export const MAX_TOKEN_COUNT = 100_000_000
/** The most a timing may be, in milliseconds (a day: no stream lasts longer). */
export const MAX_DURATION_MS = 86_400_000

/**
 * An answer's usage and speed. Token counts are the provider's; timings are taken where the model's bytes arrive
 * (the backend) in milliseconds from the request to the model. Every field is optional: a provider may report none.
 * The wire's v1 `usage` is the token part of this type.
 */
export interface AnswerMetrics {
  inputTokens?: number
  outputTokens?: number
  /** Of the output tokens, those spent reasoning (where the provider says). */
  reasoningTokens?: number
  /** Until the first token of any kind (reasoning or answer). */
  firstTokenMs?: number
  /** Until the first answer token, when the model reasoned first. */
  firstAnswerTokenMs?: number
  /** From the request to the model's last byte. */
  durationMs?: number
}

/** The token counts, the part of the metrics that protocol v1 carries as `usage`. */
export type TokenUsage = Pick<AnswerMetrics, 'inputTokens' | 'outputTokens'>

/** How an answer ended, as the app records it. */
export interface AnswerEnd {
  status: FinalStatus
  error?: AnswerError
  usage?: TokenUsage
  /** Why the model stopped, where the backend said (protocol v2). */
  stopReason?: StopReason
  /** The provider's own word when `stopReason` is 'other', shown as it is. */
  rawStopReason?: string
  /** The tools the model asked to call (StreamDesk runs none yet), when `stopReason` is 'tool-call'. */
  toolNames?: string[]
  /** Reasoning blocks the provider sent encrypted (Bedrock `redactedContent`): counted, shown as redacted. */
  redactedReasoning?: number
  metrics?: AnswerMetrics
  /** The spend guard's refusal (error 'quota-exceeded', protocol v3), so the column words it in the app's language. */
  quota?: QuotaExceeded
  /**
   * The estimated cost in US dollars, set by the app when the answer ends from the price in effect then (never on
   * the wire); absent when the price or the token counts are unknown.
   */
  costUsd?: number
}

/** What an ended answer says beyond its status and error: why it stopped, its tools, its metrics. */
export type AnswerEndDetails = Omit<AnswerEnd, 'status' | 'error'>

/** Why an answer failed. `code` is a wire error code or one the app sets itself (for example 'incomplete'). */
export interface AnswerError {
  code: string
  message: string
}
