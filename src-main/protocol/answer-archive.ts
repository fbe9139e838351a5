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
 */
import { z } from 'zod'
import { FinalStatusSchema, IdSchema, StreamErrorCodeSchema } from './stream-protocol'

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

export const FetchStreamRequestSchema = z.strictObject({
  streamId: IdSchema,
  /** One model's answer only; every model's of the stream when absent. */
  modelId: z.optional(IdSchema),
})
export type FetchStreamRequest = z.infer<typeof FetchStreamRequestSchema>

const TokenCount = z.number().int().min(0).max(100_000_000)

export const ArchivedAnswerSchema = z.strictObject({
  streamId: IdSchema,
  modelId: IdSchema,
  /** The whole answer, exactly the text whose digest the final marker carried. */
  text: z.string(),
  status: FinalStatusSchema,
  /** How many chunks the answer was published as (the final marker's `total`). */
  chunks: z.number().int().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  error: z.optional(z.strictObject({ code: StreamErrorCodeSchema, message: z.string().max(2000) })),
  usage: z.optional(z.strictObject({ inputTokens: z.optional(TokenCount), outputTokens: z.optional(TokenCount) })),
  /** Epoch milliseconds. */
  storedAt: z.number().int().min(0),
})
export type ArchivedAnswer = z.infer<typeof ArchivedAnswerSchema>

export const FetchStreamResultSchema = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), streamId: IdSchema, answers: z.array(ArchivedAnswerSchema) }),
  z.strictObject({
    ok: z.literal(false),
    error: z.enum(['no-identity', 'invalid-request', 'store-unavailable']),
    detail: z.string(),
  }),
])
/** `answers` is empty when nothing is stored (yet) for the stream: still streaming, expired, or never written. */
export type FetchStreamResult = z.infer<typeof FetchStreamResultSchema>
