/**
 * StreamDesk wire protocol: how a model's answer travels from the backend to the app over MQTT.
 *
 * Topic: `<prefix>/<userId>/<streamId>` (prefix `streamdesk` by default). A user subscribes to the single filter
 * `<prefix>/<userId>/+`, so the broker's policy can confine each user to their own subtree; in AWS IoT Core the
 * userId is the Cognito identity id (`region:uuid`), which is why `:` is allowed in ids.
 *
 * Payload: one JSON object per MQTT message (UTF-8, at most MAX_PAYLOAD_BYTES, far below IoT Core's 128 KB).
 * Version 1:
 *
 *   { "v": 1, "streamId": "…", "modelId": "…", "seq": 0, "text": "Hello" }
 *   { "v": 1, "streamId": "…", "modelId": "…", "seq": 7, "text": " world.",
 *     "final": { "total": 8, "status": "complete", "sha256": "…", "usage": { "inputTokens": 12, "outputTokens": 40 } } }
 *   { "v": 1, "streamId": "…", "modelId": "…", "seq": 3, "text": "",
 *     "final": { "total": 4, "status": "error", "error": { "code": "rate-limited", "message": "…" } } }
 *
 * - One stream id per prompt; one sequence per (streamId, modelId), numbered from 0 with no holes.
 * - `text` is the delta to append after every lower-numbered chunk of the same model (possibly empty).
 * - The last chunk carries `final`, whose `total` is the number of chunks in the sequence (so `total === seq + 1`),
 *   and `sha256`, the hex SHA-256 of the whole answer's UTF-8 text. A model's answer is complete once its final
 *   chunk and every lower sequence number have arrived and the text's hash matches; otherwise it is incomplete.
 * - Delivery is QoS 1: a chunk may arrive twice and in any order; the client reorders and de-duplicates.
 * - Receivers validate every payload (size first, then JSON, version, schema, topic/payload agreement) and drop
 *   what fails, counted by reason; nothing a publisher sends can throw into the app.
 *
 * Version 2 is version 1 plus a reasoning channel, why the model stopped and its metrics:
 *
 *   { "v": 2, "streamId": "…", "modelId": "…", "seq": 0, "text": "", "reasoning": "Let me think" }
 *   { "v": 2, …, "seq": 5, "text": "42.", "final": { "total": 6, "status": "complete", "sha256": "…",
 *     "reasoningSha256": "…", "stopReason": "max-tokens", "redactedReasoning": 1,
 *     "metrics": { "inputTokens": 12, "outputTokens": 40, "reasoningTokens": 30, "firstTokenMs": 310,
 *                  "firstAnswerTokenMs": 2950, "durationMs": 4100 } } }
 *   { "v": 2, …, "seq": 0, "text": "", "final": { "total": 1, "status": "complete", "sha256": "…",
 *     "stopReason": "tool-call", "toolNames": ["get_weather"] } }
 *
 * - `reasoning` is the model's thinking, a channel of its own beside `text`; `text` and `reasoning` of one chunk
 *   together stay within MAX_CHUNK_TEXT (so the payload limit holds whatever the characters).
 * - `sha256` stays the digest of the answer text alone (as in v1); `reasoningSha256` is the digest of the whole
 *   reasoning, present when the stream carried any reasoning, so the integrity check covers both channels.
 * - `stopReason` is normalised (STOP_REASONS); a reason the backend cannot map travels as 'other' with the
 *   provider's own word in `rawStopReason` (present exactly then). The backend says 'user' when the user stopped
 *   the answer, 'error' when it failed or timed out, and 'end' when the model ended without saying why.
 * - `toolNames`: the tools the model asked to call (at most MAX_TOOL_NAMES names of at most MAX_TOOL_NAME_CHARS),
 *   sent with stopReason 'tool-call'; such an answer is 'complete' even when its text is empty.
 * - `redactedReasoning`: how many reasoning blocks the provider sent encrypted (Bedrock `redactedContent`), when any.
 * - `metrics` replaces v1's `usage`, whose token counts it includes. Its timings are measured by the backend where
 *   the model's bytes arrive, in ms from the moment it asked the provider for the stream: `firstTokenMs` until the
 *   first reasoning or answer delta, `firstAnswerTokenMs` until the first answer delta, `durationMs` until the
 *   model's last event.
 *
 * Version 3 is version 2 plus one error code, 'quota-exceeded': the backend's spend guard refused the prompt before
 * any model was called (a token budget is used, or too many prompts are streaming), with what the app needs to say
 * so in its own language:
 *
 *   { "v": 3, …, "seq": 0, "text": "", "final": { "total": 1, "status": "error", "stopReason": "error",
 *     "error": { "code": "quota-exceeded", "message": "Your daily budget of 200,000 tokens is used; it resets at
 *     00:00 UTC" }, "quota": { "kind": "daily-tokens", "limit": 200000, "resetsAt": 1796774400000 } } }
 *
 * - `quota` is present exactly when the error code is 'quota-exceeded'; `resetsAt` (epoch ms) for token budgets.
 * - A v1 or v2 client gets the same final with the code 'rate-limited' and the same English message, no `quota`.
 *
 * EVOLUTION POLICY (enforced by tests/unit/protocol/compatibility-matrix.test.ts against a frozen copy of v1):
 * 1. A new field on the wire is a new version. Within a version payloads stay STRICT: an unknown field or a
 *    prototype key (`__proto__`, `constructor`) is refused as 'invalid-schema', and a version the receiver does
 *    not know as 'unsupported-version'. So a v1 app can never show v2's reasoning as answer text: it refuses
 *    every v2 chunk instead of half-reading it. A published version is frozen; its schema never changes.
 * 2. Each chat request states the versions its client reads (`protocols`; absent means [1], the apps from before
 *    negotiation). The backend answers in the highest version both speak and publishes every chunk of that stream
 *    in it; it keeps serving v1 clients. When there is no common version, each model gets a v1 error final saying
 *    which side is older (every client must keep reading that one message).
 * 3. Envelopes that cross a deploy boundary TOLERATE unknown keys (dropped, never passed on, prototype keys
 *    included): the chat request at the backend/Lambda and the pasted cloud config. A newer app's extra field then
 *    cannot make an older Lambda refuse the request (an asynchronous invoke would show the user only a timeout).
 *    The cloud config lists the versions its stack serves (`protocols`; absent = an old stack serving only v1), and
 *    the app sends `protocols` only to a stack that lists v2, since old strict Lambdas refuse the field; it tells
 *    the user plainly when the stack is older than the app.
 * 4. Deploy order: backend first (`npm run cdktf:deploy`), then the apps. A new backend serves old apps in v1;
 *    an old backend serves new apps in v1 without the new features.
 */
import { z } from 'zod'
import {
  FINAL_STATUSES,
  QUOTA_KINDS,
  type QuotaExceeded,
  MAX_DURATION_MS,
  MAX_TOKEN_COUNT,
  STOP_REASONS,
  type AnswerMetrics,
  type FinalStatus,
  type StopReason,
  type TokenUsage,
} from '../shared/answer'
import type { AnswerErrorCode } from '../shared/user-message'

/** Every version this code reads and writes, oldest first. */
export const PROTOCOL_VERSIONS = [1, 2, 3] as const
export type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number]
export const LATEST_PROTOCOL_VERSION: ProtocolVersion = 3
/** What a request that states no versions reads: every client from before negotiation. */
export const UNSTATED_PROTOCOLS: readonly number[] = [1]

export const DEFAULT_TOPIC_PREFIX = 'streamdesk'

/** The latest instant a `resetsAt` may name (year 2286): anything later is hostile. */
const MAX_EPOCH_MS = 9_999_999_999_999

/** Largest payload a receiver accepts; senders keep chunks far below it. */
export const MAX_PAYLOAD_BYTES = 64 * 1024
/**
 * Largest text a sender puts in one chunk, in UTF-16 code units (≤ 3 UTF-8 bytes each, so ≤ 24 KB); in v2 it
 * bounds `text` and `reasoning` together.
 */
export const MAX_CHUNK_TEXT = 8 * 1024
/** The most tools one final marker names, and the longest name it carries (v2). */
export const MAX_TOOL_NAMES = 16
export const MAX_TOOL_NAME_CHARS = 128
/** The longest raw stop reason a final marker carries (v2). */
export const MAX_RAW_STOP_REASON_CHARS = 100
/** No sensible answer needs more chunks than this; larger sequence numbers are refused as hostile. */
export const MAX_SEQ = 1_000_000

const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/

/** Ids become topic levels, so they may not contain `/`, `+`, `#` or anything else a broker treats specially. */
export const IdSchema = z.string().regex(ID_PATTERN, 'ids are 1-128 characters of A-Z a-z 0-9 _ . : -')

/**
 * The versions a request or a stack's config may list: any positive version, so that a newer client naming a
 * version this code does not know yet is understood (it is simply not chosen).
 */
export const ProtocolListSchema = z.array(z.int().min(1).max(1000)).min(1).max(16)

export function isProtocolVersion(value: unknown): value is ProtocolVersion {
  return PROTOCOL_VERSIONS.includes(value as ProtocolVersion)
}

/** The highest version both sides speak, or undefined when they share none. */
export function negotiateProtocol(
  offered: readonly number[] | undefined,
  served: readonly ProtocolVersion[] = PROTOCOL_VERSIONS,
): ProtocolVersion | undefined {
  const wanted = new Set(offered ?? UNSTATED_PROTOCOLS)
  return served.filter((version) => wanted.has(version)).at(-1)
}

/** What a client is told when it shares no version with the backend, in words that say who must update. */
export function noCommonProtocolMessage(
  offered: readonly number[],
  served: readonly ProtocolVersion[] = PROTOCOL_VERSIONS,
): string {
  const list = (versions: readonly number[]) => versions.join(', ')
  return Math.min(...offered) > Math.max(...served)
    ? `The backend is older than this app (it speaks protocol ${list(served)}, the app ${list(offered)}): ` +
        'redeploy the backend (npm run cdktf:deploy).'
    : `This app is older than the backend (it speaks protocol ${list(offered)}, the backend ${list(served)}): ` +
        'update the app.'
}

export const StreamErrorCodeSchema = z.enum([
  'connection-refused',
  'unauthorized',
  'rate-limited',
  'model-not-found',
  'bad-response',
  'timeout',
  'internal',
])
/** The error codes of v1 and v2 (frozen with them). */
export type StreamErrorCode = z.infer<typeof StreamErrorCodeSchema>

/** v3's codes: v2's and 'quota-exceeded'. */
export const StreamErrorCodeV3Schema = z.enum([...StreamErrorCodeSchema.options, 'quota-exceeded'])
/** Every code a final marker may carry in some version; older versions get 'quota-exceeded' as 'rate-limited'. */
export type WireErrorCode = z.infer<typeof StreamErrorCodeV3Schema>
// The renderer words a headline for every code: a new one must join the shared list first.
const everyCodeWorded: [WireErrorCode] extends [AnswerErrorCode] ? true : false = true
void everyCodeWorded

/** Why the spend guard refused a prompt (v3's `quota`). */
export const QuotaExceededSchema = z.strictObject({
  kind: z.enum(QUOTA_KINDS),
  limit: z.number().int().min(0).max(1e13),
  resetsAt: z.optional(z.number().int().min(0).max(MAX_EPOCH_MS)),
  requested: z.optional(z.number().int().min(0).max(1e13)),
}) satisfies z.ZodType<QuotaExceeded>

export const FinalStatusSchema = z.enum(FINAL_STATUSES)
export type { FinalStatus }

const TokenCount = z.number().int().min(0).max(MAX_TOKEN_COUNT)
const Milliseconds = z.number().int().min(0).max(MAX_DURATION_MS)
const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256 digest')

/** The fields every version's final marker has (v1's exactly). */
const finalMarkerFields = {
  total: z
    .number()
    .int()
    .min(1)
    .max(MAX_SEQ + 1),
  status: FinalStatusSchema,
  /** Hex SHA-256 of the full answer text; senders always include it (optional only for older senders). */
  sha256: z.optional(Sha256Schema),
  error: z.optional(z.strictObject({ code: StreamErrorCodeSchema, message: z.string().max(2000) })),
}

/**
 * A chunk's text, at most MAX_CHUNK_TEXT UTF-16 code units as the wire says: zod's own `.max()` counts code points,
 * which would let an astral text be twice as long as senders ever cut it.
 */
const ChunkTextSchema = z
  .string()
  .refine((text) => text.length <= MAX_CHUNK_TEXT, `at most ${MAX_CHUNK_TEXT} UTF-16 code units`)

/** The fields every version's chunk has (v1's exactly, but for `v` and `final`). */
const chunkFields = {
  streamId: IdSchema,
  modelId: IdSchema,
  seq: z.number().int().min(0).max(MAX_SEQ),
  text: ChunkTextSchema,
}

/** The rules every version's chunk obeys (v1's two refinements, with their messages and paths). */
function checkFinal(
  chunk: { seq: number; final?: { total: number; status: FinalStatus; error?: unknown } | undefined },
  ctx: z.RefinementCtx,
): void {
  const { final } = chunk
  if (final === undefined) return
  if (final.total !== chunk.seq + 1) {
    ctx.addIssue({ code: 'custom', message: 'final.total must equal seq + 1', path: ['final', 'total'] })
  }
  if ((final.status === 'error') !== (final.error !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      message: 'final.error is present exactly when final.status is "error"',
      path: ['final', 'error'],
    })
  }
}

// ---- Version 1 (frozen) ----------------------------------------------------------------------------------------

export const FinalMarkerV1Schema = z.strictObject({
  ...finalMarkerFields,
  usage: z.optional(z.strictObject({ inputTokens: z.optional(TokenCount), outputTokens: z.optional(TokenCount) })),
})
export type FinalMarkerV1 = z.infer<typeof FinalMarkerV1Schema>

export const ChunkMessageV1Schema = z
  .strictObject({ v: z.literal(1), ...chunkFields, final: z.optional(FinalMarkerV1Schema) })
  .superRefine(checkFinal)
export type ChunkMessageV1 = z.infer<typeof ChunkMessageV1Schema>

// ---- Version 2 -------------------------------------------------------------------------------------------------

export const AnswerMetricsSchema = z.strictObject({
  inputTokens: z.optional(TokenCount),
  outputTokens: z.optional(TokenCount),
  reasoningTokens: z.optional(TokenCount),
  firstTokenMs: z.optional(Milliseconds),
  firstAnswerTokenMs: z.optional(Milliseconds),
  durationMs: z.optional(Milliseconds),
}) satisfies z.ZodType<AnswerMetrics>

export const FinalMarkerV2Schema = z.strictObject({
  ...finalMarkerFields,
  /** Hex SHA-256 of the whole reasoning; present when the stream carried reasoning. */
  reasoningSha256: z.optional(Sha256Schema),
  stopReason: z.optional(z.enum(STOP_REASONS)),
  /** The provider's own word for a stop reason outside STOP_REASONS; present exactly when stopReason is 'other'. */
  rawStopReason: z.optional(z.string().min(1).max(MAX_RAW_STOP_REASON_CHARS)),
  /** The tools the model asked to call, with stopReason 'tool-call' (StreamDesk runs none yet). */
  toolNames: z.optional(z.array(z.string().min(1).max(MAX_TOOL_NAME_CHARS)).min(1).max(MAX_TOOL_NAMES)),
  /** How many reasoning blocks the provider sent encrypted; present when any. */
  redactedReasoning: z.optional(z.number().int().min(1).max(MAX_SEQ)),
  metrics: z.optional(AnswerMetricsSchema),
})
export type FinalMarkerV2 = z.infer<typeof FinalMarkerV2Schema>

/** From v2 on, a chunk's `text` and `reasoning` together stay within MAX_CHUNK_TEXT. */
const fitsOneChunk = (m: { text: string; reasoning?: string | undefined }) =>
  m.text.length + (m.reasoning?.length ?? 0) <= MAX_CHUNK_TEXT
const FITS_ONE_CHUNK = {
  message: `text and reasoning together exceed ${MAX_CHUNK_TEXT} characters`,
  path: ['reasoning'],
}
/** From v2 on, the provider's own stop reason travels exactly when the normalised one is 'other'. */
const rawStopReasonExactlyForOther = (m: { final?: { stopReason?: StopReason; rawStopReason?: string } | undefined }) =>
  m.final === undefined || (m.final.stopReason === 'other') === (m.final.rawStopReason !== undefined)
const RAW_STOP_REASON_FOR_OTHER = {
  message: 'final.rawStopReason is present exactly when final.stopReason is "other"',
  path: ['final', 'rawStopReason'],
}

export const ChunkMessageV2Schema = z
  .strictObject({
    v: z.literal(2),
    ...chunkFields,
    reasoning: z.optional(ChunkTextSchema),
    final: z.optional(FinalMarkerV2Schema),
  })
  .superRefine(checkFinal)
  .refine(fitsOneChunk, FITS_ONE_CHUNK)
  .refine(rawStopReasonExactlyForOther, RAW_STOP_REASON_FOR_OTHER)
export type ChunkMessageV2 = z.infer<typeof ChunkMessageV2Schema>

// ---- Version 3 -------------------------------------------------------------------------------------------------

export const FinalMarkerV3Schema = z.strictObject({
  ...FinalMarkerV2Schema.shape,
  error: z.optional(z.strictObject({ code: StreamErrorCodeV3Schema, message: z.string().max(2000) })),
  /** Present exactly when the error code is 'quota-exceeded'. */
  quota: z.optional(QuotaExceededSchema),
})
export type FinalMarkerV3 = z.infer<typeof FinalMarkerV3Schema>

export const ChunkMessageV3Schema = z
  .strictObject({
    v: z.literal(3),
    ...chunkFields,
    reasoning: z.optional(ChunkTextSchema),
    final: z.optional(FinalMarkerV3Schema),
  })
  .superRefine(checkFinal)
  .refine(fitsOneChunk, FITS_ONE_CHUNK)
  .refine(rawStopReasonExactlyForOther, RAW_STOP_REASON_FOR_OTHER)
  .refine(
    (m) => m.final === undefined || (m.final.error?.code === 'quota-exceeded') === (m.final.quota !== undefined),
    { message: 'final.quota is present exactly when final.error.code is "quota-exceeded"', path: ['final', 'quota'] },
  )
export type ChunkMessageV3 = z.infer<typeof ChunkMessageV3Schema>

// ---- What receivers work with ----------------------------------------------------------------------------------

/** A final marker whatever version it came in: receiving code is written once, against this. */
export interface FinalMarker {
  total: number
  status: FinalStatus
  sha256?: string
  error?: { code: WireErrorCode; message: string }
  /** v3 only: why the spend guard refused the prompt, with error code 'quota-exceeded'. */
  quota?: QuotaExceeded
  /** The token counts (v1's `usage`; from a v2 marker, the token part of `metrics`). */
  usage?: TokenUsage
  /** v2 only: every metric the backend measured, tokens included. */
  metrics?: AnswerMetrics
  stopReason?: StopReason
  rawStopReason?: string
  /** v2 only: the tools the model asked to call. */
  toolNames?: string[]
  /** v2 only: how many reasoning blocks the provider sent encrypted. */
  redactedReasoning?: number
  reasoningSha256?: string
}

/** A chunk whatever version it came in; `v` is that version, and the one `encodeChunk` writes. */
export interface ChunkMessage {
  v: ProtocolVersion
  streamId: string
  modelId: string
  seq: number
  text: string
  /** v2 only: the model's reasoning, never part of the answer text. */
  reasoning?: string
  final?: FinalMarker
}

export function streamTopic(prefix: string, userId: string, streamId: string): string {
  return `${prefix}/${userId}/${streamId}`
}

/** The one filter a user subscribes to: every stream under their own id. */
export function userStreamsFilter(prefix: string, userId: string): string {
  return `${prefix}/${userId}/+`
}

/**
 * Writes a chunk in the version `message.v` names, keeping only what that version carries: v1 drops the
 * reasoning, the stop reason, the tool names, the redacted count and the reasoning digest, and sends the metrics'
 * token counts as `usage`.
 */
export function encodeChunk(message: ChunkMessage): string {
  if (message.v === 1) return JSON.stringify(toV1(message))
  if (message.v === 2) return JSON.stringify(toV2(message))
  return JSON.stringify(toV3(message))
}

/** v1 and v2 know no 'quota-exceeded': they read it as 'rate-limited', with the same words. */
function olderError(error: FinalMarker['error']): { code: StreamErrorCode; message: string } | undefined {
  if (!error) return undefined
  return { code: error.code === 'quota-exceeded' ? 'rate-limited' : error.code, message: error.message }
}

function toV3(message: ChunkMessage): ChunkMessageV3 {
  const { final } = message
  const v2 = toV2(message)
  if (!v2.final || !final) return { ...v2, v: 3 }
  const quota = final.error?.code === 'quota-exceeded' ? final.quota : undefined
  return {
    ...v2,
    v: 3,
    final: {
      ...v2.final,
      ...(final.error ? { error: { ...final.error } } : {}),
      ...(quota ? { quota: { ...quota } } : {}),
    },
  }
}

function toV1({ streamId, modelId, seq, text, final }: ChunkMessage): ChunkMessageV1 {
  if (!final) return { v: 1, streamId, modelId, seq, text }
  const usage = final.usage ?? tokenUsage(final.metrics)
  return {
    v: 1,
    streamId,
    modelId,
    seq,
    text,
    final: {
      total: final.total,
      status: final.status,
      ...(final.sha256 !== undefined ? { sha256: final.sha256 } : {}),
      ...(final.error ? { error: olderError(final.error)! } : {}),
      ...(usage ? { usage } : {}),
    },
  }
}

function toV2({ streamId, modelId, seq, text, reasoning, final }: ChunkMessage): ChunkMessageV2 {
  const chunk: ChunkMessageV2 = { v: 2, streamId, modelId, seq, text, ...(reasoning ? { reasoning } : {}) }
  if (!final) return chunk
  const metrics = { ...final.usage, ...final.metrics }
  return {
    ...chunk,
    final: {
      total: final.total,
      status: final.status,
      ...(final.sha256 !== undefined ? { sha256: final.sha256 } : {}),
      ...(final.reasoningSha256 !== undefined ? { reasoningSha256: final.reasoningSha256 } : {}),
      ...(final.error ? { error: olderError(final.error)! } : {}),
      ...(final.stopReason !== undefined ? { stopReason: final.stopReason } : {}),
      ...(final.rawStopReason !== undefined ? { rawStopReason: final.rawStopReason } : {}),
      ...(final.toolNames?.length ? { toolNames: final.toolNames } : {}),
      ...(final.redactedReasoning ? { redactedReasoning: final.redactedReasoning } : {}),
      ...(Object.keys(metrics).length > 0 ? { metrics } : {}),
    },
  }
}

/** The token part of the metrics, or undefined when they hold no token count. */
export function tokenUsage(metrics: AnswerMetrics | undefined): TokenUsage | undefined {
  if (metrics?.inputTokens === undefined && metrics?.outputTokens === undefined) return undefined
  return {
    ...(metrics.inputTokens !== undefined ? { inputTokens: metrics.inputTokens } : {}),
    ...(metrics.outputTokens !== undefined ? { outputTokens: metrics.outputTokens } : {}),
  }
}

/** Why a received message was dropped; each reason has its own counter in diagnostics. */
export type RejectReason = 'oversized' | 'not-json' | 'unsupported-version' | 'invalid-schema' | 'foreign-topic'

export type DecodeResult = { ok: true; message: ChunkMessage } | { ok: false; reason: RejectReason; detail: string }

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Validates a chunk against its own version's schema and turns it into the one ChunkMessage receivers handle. */
function parseVersion(
  version: ProtocolVersion,
  raw: unknown,
): { success: true; data: ChunkMessage } | { success: false; error: z.ZodError } {
  if (version === 1) return ChunkMessageV1Schema.safeParse(raw)
  const parsed = version === 2 ? ChunkMessageV2Schema.safeParse(raw) : ChunkMessageV3Schema.safeParse(raw)
  return parsed.success ? { success: true, data: fromV2(parsed.data) } : parsed
}

function fromV2(chunk: ChunkMessageV2 | ChunkMessageV3): ChunkMessage {
  if (!chunk.final) return chunk
  const usage = tokenUsage(chunk.final.metrics)
  return { ...chunk, final: { ...chunk.final, ...(usage ? { usage } : {}) } }
}

/**
 * Validates one received MQTT message for the subscriber `userId`, in any version this code reads. Never throws.
 * The topic must be exactly `<prefix>/<userId>/<streamId>` and agree with the payload's streamId, so a message
 * routed from another user's subtree (a misconfigured broker, a forged topic) cannot land in this user's streams.
 */
export function decodeChunk(
  topic: string,
  payload: Uint8Array,
  expected: { prefix: string; userId: string },
): DecodeResult {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return { ok: false, reason: 'oversized', detail: `${payload.byteLength} bytes > ${MAX_PAYLOAD_BYTES}` }
  }
  const levels = topic.split('/')
  if (levels.length !== 3 || levels[0] !== expected.prefix || levels[1] !== expected.userId) {
    return { ok: false, reason: 'foreign-topic', detail: `topic ${truncate(topic)} is outside this user's streams` }
  }
  let raw: unknown
  try {
    raw = JSON.parse(utf8.decode(payload))
  } catch (error) {
    return { ok: false, reason: 'not-json', detail: (error as Error).message }
  }
  const version = typeof raw === 'object' && raw !== null ? (raw as { v?: unknown }).v : undefined
  if (!isProtocolVersion(version)) {
    return { ok: false, reason: 'unsupported-version', detail: `protocol version ${truncate(String(version))}` }
  }
  const parsed = parseVersion(version, raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { ok: false, reason: 'invalid-schema', detail: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}` }
  }
  if (parsed.data.streamId !== levels[2]) {
    return { ok: false, reason: 'foreign-topic', detail: 'payload streamId does not match its topic' }
  }
  return { ok: true, message: parsed.data }
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}
