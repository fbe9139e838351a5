/**
 * StreamDesk wire protocol, version 1: how a model's answer travels from the backend to the app over MQTT.
 *
 * Topic: `<prefix>/<userId>/<streamId>` (prefix `streamdesk` by default). A user subscribes to the single filter
 * `<prefix>/<userId>/+`, so the broker's policy can confine each user to their own subtree; in AWS IoT Core the
 * userId is the Cognito identity id (`region:uuid`), which is why `:` is allowed in ids.
 *
 * Payload: one JSON object per MQTT message (UTF-8, at most MAX_PAYLOAD_BYTES, far below IoT Core's 128 KB):
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
 */
import { z } from 'zod'

export const PROTOCOL_VERSION = 1
export const DEFAULT_TOPIC_PREFIX = 'streamdesk'

/** Largest payload a receiver accepts; senders keep chunks far below it. */
export const MAX_PAYLOAD_BYTES = 64 * 1024
/** Largest text a sender puts in one chunk, in UTF-16 code units (≤ 3 UTF-8 bytes each, so ≤ 24 KB). */
export const MAX_CHUNK_TEXT = 8 * 1024
/** No sensible answer needs more chunks than this; larger sequence numbers are refused as hostile. */
export const MAX_SEQ = 1_000_000

const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/

/** Ids become topic levels, so they may not contain `/`, `+`, `#` or anything else a broker treats specially. */
export const IdSchema = z.string().regex(ID_PATTERN, 'ids are 1-128 characters of A-Z a-z 0-9 _ . : -')

export const StreamErrorCodeSchema = z.enum([
  'connection-refused',
  'unauthorized',
  'rate-limited',
  'model-not-found',
  'bad-response',
  'timeout',
  'internal',
])
export type StreamErrorCode = z.infer<typeof StreamErrorCodeSchema>

export const FinalStatusSchema = z.enum(['complete', 'stopped', 'error'])
export type FinalStatus = z.infer<typeof FinalStatusSchema>

const TokenCount = z.number().int().min(0).max(100_000_000)

export const FinalMarkerSchema = z.strictObject({
  total: z
    .number()
    .int()
    .min(1)
    .max(MAX_SEQ + 1),
  status: FinalStatusSchema,
  /** Hex SHA-256 of the full answer text; senders always include it (optional only for older senders). */
  sha256: z.optional(z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256 digest')),
  error: z.optional(z.strictObject({ code: StreamErrorCodeSchema, message: z.string().max(2000) })),
  usage: z.optional(z.strictObject({ inputTokens: z.optional(TokenCount), outputTokens: z.optional(TokenCount) })),
})
export type FinalMarker = z.infer<typeof FinalMarkerSchema>

export const ChunkMessageSchema = z
  .strictObject({
    v: z.literal(PROTOCOL_VERSION),
    streamId: IdSchema,
    modelId: IdSchema,
    seq: z.number().int().min(0).max(MAX_SEQ),
    text: z.string().max(MAX_CHUNK_TEXT),
    final: z.optional(FinalMarkerSchema),
  })
  .refine((m) => m.final === undefined || m.final.total === m.seq + 1, {
    message: 'final.total must equal seq + 1',
    path: ['final', 'total'],
  })
  .refine((m) => m.final === undefined || (m.final.status === 'error') === (m.final.error !== undefined), {
    message: 'final.error is present exactly when final.status is "error"',
    path: ['final', 'error'],
  })
export type ChunkMessage = z.infer<typeof ChunkMessageSchema>

export function streamTopic(prefix: string, userId: string, streamId: string): string {
  return `${prefix}/${userId}/${streamId}`
}

/** The one filter a user subscribes to: every stream under their own id. */
export function userStreamsFilter(prefix: string, userId: string): string {
  return `${prefix}/${userId}/+`
}

export function encodeChunk(message: ChunkMessage): string {
  return JSON.stringify(message)
}

/** Why a received message was dropped; each reason has its own counter in diagnostics. */
export type RejectReason = 'oversized' | 'not-json' | 'unsupported-version' | 'invalid-schema' | 'foreign-topic'

export type DecodeResult = { ok: true; message: ChunkMessage } | { ok: false; reason: RejectReason; detail: string }

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Validates one received MQTT message for the subscriber `userId`. Never throws.
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
  if (typeof raw !== 'object' || raw === null || (raw as { v?: unknown }).v !== PROTOCOL_VERSION) {
    const version = typeof raw === 'object' && raw !== null ? (raw as { v?: unknown }).v : undefined
    return { ok: false, reason: 'unsupported-version', detail: `protocol version ${truncate(String(version))}` }
  }
  const parsed = ChunkMessageSchema.safeParse(raw)
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
