/**
 * Cloud mode's answer store, the contract between the chat Lambda (writer), the fetch-stream Lambda (reader) and
 * the app (which asks the reader when a stream arrived incomplete).
 *
 * The chat Lambda keeps every finished model answer for a day in a DynamoDB table keyed by the caller's Cognito
 * identity id (partition key) and `<streamId>#<modelId>` (sort key; `#` cannot occur in ids). It writes the item
 * BEFORE it publishes that model's final marker, so a client that has seen a final marker can always fetch the
 * answer (unless the write failed, which the Lambda logs and counts). A client that fetches before the final
 * marker was sent (a gap while the model still streams) gets "not found" and tries again later.
 *
 * The fetch-stream Lambda is invoked synchronously with the user's own identity-pool credentials and the event
 * `{ streamId, modelId? }`; it answers with the caller's own answers for that stream only (the user id comes from
 * Lambda's context, never from the event).
 *
 * Both the request and the archived answers cross a deploy boundary (an app may be older or newer than its stack),
 * so their schemas TOLERATE unknown keys (dropped, prototype keys included), as the protocol's evolution policy says.
 * Apps from before this rule read answers with a STRICT schema, so the reader sends the fields that came with
 * protocol v2 (reasoning, stop reason, tools, metrics) only to a request that lists v2 in `protocols`; an app sends
 * `protocols` only to a stack whose cloud config lists v2 (an older, strict reader would refuse the key).
 */
import { z } from 'zod'
import {
  AnswerMetricsSchema,
  FinalStatusSchema,
  IdSchema,
  MAX_RAW_STOP_REASON_CHARS,
  MAX_TOOL_NAME_CHARS,
  MAX_TOOL_NAMES,
  ProtocolListSchema,
  StreamErrorCodeSchema,
} from './stream-protocol'
import { STOP_REASONS } from '../shared/answer'
import { AttemptOfSchema, DeviceIdSchema, MAX_ANNOUNCED_MODELS, MAX_ANNOUNCED_TEXT } from './stream-announcement'

/** How long the store keeps an answer: long enough to come back after a night's sleep, no longer. */
export const ANSWER_TTL_SECONDS = 24 * 60 * 60

/** The table's attribute names; the stack's key schema and TTL setting use the same ones. */
export const ANSWER_TABLE = {
  partitionKey: 'userId',
  sortKey: 'streamModel',
  ttlAttribute: 'expiresAt',
} as const

export function answerSortKey(streamId: string, modelId: string): string {
  return `${streamId}#${modelId}`
}

export const FetchStreamRequestSchema = z.object({
  streamId: IdSchema,
  /** One model's answer only; every model's of the stream when absent. */
  modelId: z.optional(IdSchema),
  /** The wire versions the app reads; with 2, answers come with reasoning and end details. Absent: v1 fields only. */
  protocols: z.optional(ProtocolListSchema),
  /**
   * The app reassembles an answer sent in parts (`textPart`): one too large for a response comes as pages. Without
   * it such an answer is left out, as before (an older app would take a page for the whole answer).
   */
  parts: z.optional(z.boolean()),
  /** With `modelId` and `parts`: the page of the answer's text that starts at this UTF-16 offset. */
  textFrom: z.optional(z.number().int().min(0)),
})
export type FetchStreamRequest = z.infer<typeof FetchStreamRequestSchema>

const TokenCount = z.number().int().min(0).max(100_000_000)

/** The fields of an archived answer that an app from before protocol v2 reads (with a strict schema). */
export const ARCHIVED_ANSWER_V1_FIELDS = [
  'streamId',
  'modelId',
  'text',
  'status',
  'chunks',
  'sha256',
  'error',
  'usage',
  'storedAt',
] as const

export const ArchivedAnswerSchema = z.object({
  streamId: IdSchema,
  modelId: IdSchema,
  /** The whole answer, exactly the text whose digest the final marker carried. */
  text: z.string(),
  status: FinalStatusSchema,
  /** How many chunks the answer was published as (the final marker's `total`). */
  chunks: z.number().int().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  error: z.optional(z.object({ code: StreamErrorCodeSchema, message: z.string().max(2000) })),
  usage: z.optional(z.object({ inputTokens: z.optional(TokenCount), outputTokens: z.optional(TokenCount) })),
  /** Epoch milliseconds. */
  storedAt: z.number().int().min(0),
  // ---- From protocol v2 on (sent only to a request that lists v2) ----
  /** The model's whole reasoning, when it streamed any to a v2 client. */
  reasoning: z.optional(z.string()),
  reasoningSha256: z.optional(z.string().regex(/^[0-9a-f]{64}$/)),
  /** The reasoning was too large to store beside the answer and was left out (its digest is still kept). */
  reasoningOmitted: z.optional(z.literal(true)),
  stopReason: z.optional(z.enum(STOP_REASONS)),
  rawStopReason: z.optional(z.string().min(1).max(MAX_RAW_STOP_REASON_CHARS)),
  toolNames: z.optional(z.array(z.string().min(1).max(MAX_TOOL_NAME_CHARS)).max(MAX_TOOL_NAMES)),
  redactedReasoning: z.optional(z.number().int().min(0)),
  metrics: z.optional(z.object(AnswerMetricsSchema.shape)),
  /**
   * Present when `text` is one page of a larger answer (only to a request with `parts`): where it starts in the
   * whole text and the whole text's length, in UTF-16 code units. A page never ends inside a surrogate pair; the
   * app asks for the next page from `offset + text.length` and checks `sha256` on the whole.
   */
  textPart: z.optional(z.object({ offset: z.number().int().min(0), total: z.number().int().min(1) })),
})
export type ArchivedAnswer = z.infer<typeof ArchivedAnswerSchema>

/** The fields protocol v2 added to an archived answer. */
export type ArchivedAnswerV2Fields = Omit<ArchivedAnswer, (typeof ARCHIVED_ANSWER_V1_FIELDS)[number]>

/** An archived answer as an app from before protocol v2 reads it: only the fields it knows. */
export function archivedAnswerV1(answer: ArchivedAnswer): ArchivedAnswer {
  const v1: Record<string, unknown> = {}
  for (const field of ARCHIVED_ANSWER_V1_FIELDS) if (answer[field] !== undefined) v1[field] = answer[field]
  return v1 as ArchivedAnswer
}

export const FetchStreamResultSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    streamId: IdSchema,
    answers: z.array(ArchivedAnswerSchema),
    /**
     * Models whose stored answers did not fit in this response (Lambda's 6 MB limit): fetch each by its modelId.
     * Sent only to a request that lists protocol v2.
     */
    omittedModelIds: z.optional(z.array(IdSchema)),
  }),
  z.object({
    ok: z.literal(false),
    error: z.enum(['no-identity', 'invalid-request', 'store-unavailable']),
    detail: z.string(),
  }),
])
/** `answers` is empty when nothing is stored (yet) for the stream: still streaming, expired, or never written. */
export type FetchStreamResult = z.infer<typeof FetchStreamResultSchema>

/**
 * The whole text of an answer from its pages, in whatever order they came (a page is identified by its offset, not
 * by when it arrived): undefined unless they tile the text from 0 to `total` exactly. Pages never split a surrogate
 * pair, and the digest is taken on the reassembled whole, so reordering cannot make an intact answer fail it.
 */
export function assembleTextParts(parts: Array<{ offset: number; text: string }>, total: number): string | undefined {
  const byOffset = new Map(parts.map((part) => [part.offset, part.text]))
  let text = ''
  while (text.length < total) {
    const next = byOffset.get(text.length)
    if (next === undefined || next === '') return undefined
    text += next
  }
  return text.length === total ? text : undefined
}

// ---- Catch-up: the caller's recent streams -------------------------------------------------------------------------

const AskedText = z
  .string()
  .refine((text) => text.length <= MAX_ANNOUNCED_TEXT, `at most ${MAX_ANNOUNCED_TEXT} UTF-16 code units`)

/**
 * What was asked on a stream, kept with each of its answers when the asking app said where it asked from (its
 * device and conversation, the request's `origin`): what another device of the user needs to add the conversation
 * it missed (the same fields as an announcement, see stream-announcement.ts).
 */
export const AskedSchema = z.object({
  conversationId: IdSchema,
  deviceId: DeviceIdSchema,
  prompt: AskedText,
  systemPrompt: z.optional(AskedText),
  models: z.array(IdSchema).min(1).max(MAX_ANNOUNCED_MODELS),
  /** A regenerated or continued answer: the turn it is a new attempt at (see stream-announcement.ts, v2). */
  attempt: z.optional(AttemptOfSchema),
})
export type Asked = z.infer<typeof AskedSchema>

/** The fetch-stream Lambda's second request: the caller's streams of the last 24 hours (their answers stored). */
export const RecentStreamsRequestSchema = z.object({ recent: z.literal(true) })

/** The most streams one list holds (newest first kept); at 24 hours' retention, far more than anyone asks. */
export const MAX_RECENT_STREAMS = 200

export const RecentStreamSchema = z.object({
  streamId: IdSchema,
  /** When its newest stored answer was stored, epoch milliseconds. */
  storedAt: z.number().int().min(0),
  /** The models whose answers are stored: all of `asked.models` once the stream has ended. */
  storedModelIds: z.array(IdSchema).max(MAX_ANNOUNCED_MODELS),
  asked: AskedSchema,
})
export type RecentStream = z.infer<typeof RecentStreamSchema>

export const RecentStreamsResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), streams: z.array(RecentStreamSchema).max(MAX_RECENT_STREAMS) }),
  z.object({
    ok: z.literal(false),
    error: z.enum(['no-identity', 'invalid-request', 'store-unavailable']),
    detail: z.string(),
  }),
])
export type RecentStreamsResult = z.infer<typeof RecentStreamsResultSchema>
