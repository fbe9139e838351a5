/**
 * An answer's end details as the history keeps them: one JSON column (`answers.end_details`), since they are read
 * whole with the answer and never queried by field. Token usage keeps its own columns (older schemas had them), so
 * it is not repeated here. What is read back is validated: a value that does not fit is ignored, never shown.
 */
import { z } from 'zod'
import { AnswerMetricsSchema, QuotaExceededSchema } from '../../protocol/stream-protocol'
import { STOP_REASONS, type AnswerEnd, type AnswerEndDetails } from '../../shared/answer'

/** The stored part of the end details: everything but the token usage. */
export type StoredEndDetails = Omit<AnswerEndDetails, 'usage'>

export const StoredEndDetailsSchema = z.strictObject({
  stopReason: z.optional(z.enum(STOP_REASONS)),
  rawStopReason: z.optional(z.string().min(1).max(100)),
  toolNames: z.optional(z.array(z.string().max(200)).max(128)),
  redactedReasoning: z.optional(z.number().int().min(0).max(1_000_000)),
  metrics: z.optional(AnswerMetricsSchema),
  /** The estimated cost at the prices of the day the answer ended (the app's figure, not the wire's). */
  costUsd: z.optional(z.number().min(0).max(1_000_000)),
  /** The spend guard's refusal, so the column words it in the app's language after a restart too. */
  quota: z.optional(QuotaExceededSchema),
}) satisfies z.ZodType<StoredEndDetails>

/** The details of `end` to store, picked by name; undefined when it has none. */
export function storedEndDetails(end: AnswerEndDetails | undefined): StoredEndDetails | undefined {
  if (!end) return undefined
  const { stopReason, rawStopReason, toolNames, redactedReasoning, metrics, costUsd, quota } = end
  const details: StoredEndDetails = {
    ...(stopReason !== undefined ? { stopReason } : {}),
    ...(rawStopReason !== undefined ? { rawStopReason } : {}),
    ...(toolNames !== undefined ? { toolNames } : {}),
    ...(redactedReasoning !== undefined ? { redactedReasoning } : {}),
    ...(metrics !== undefined ? { metrics } : {}),
    ...(costUsd !== undefined ? { costUsd } : {}),
    ...(quota !== undefined ? { quota } : {}),
  }
  return Object.keys(details).length > 0 ? details : undefined
}

/** The column's value for an answer's end: null when it says nothing beyond status, error and usage. */
export function encodeEndDetails(end: AnswerEnd | StoredEndDetails | undefined): string | null {
  const details = storedEndDetails(end)
  return details ? JSON.stringify(details) : null
}

/** The column read back; undefined for null or for anything that is not valid details (a damaged or foreign row). */
export function decodeEndDetails(json: string | null): StoredEndDetails | undefined {
  if (json === null) return undefined
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return undefined
  }
  const parsed = StoredEndDetailsSchema.safeParse(value)
  return parsed.success ? storedEndDetails(parsed.data) : undefined
}
