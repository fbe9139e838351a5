/**
 * The chat Lambda's answer to `{ "action": "usage" }`: the caller's token usage of the current UTC day and month and
 * the limits the stack set (src-main/backend/spend-guard.ts). It crosses the deploy boundary, so the app reads it
 * TOLERANTLY (unknown keys dropped): a later backend may add figures without locking older apps out.
 */
import { z } from 'zod'

const Tokens = z.number().int().min(0).max(1e13)
const EpochMs = z.number().int().min(0).max(8.64e15)

export const SpendUsageSchema = z.object({
  dayTokens: Tokens,
  monthTokens: Tokens,
  limits: z.object({
    dailyTokens: Tokens,
    monthlyTokens: Tokens,
    concurrentStreams: z.number().int().min(1).max(1000),
  }),
  dayResetsAt: EpochMs,
  monthResetsAt: EpochMs,
})
export type SpendUsageView = z.infer<typeof SpendUsageSchema>

export const UsageResultSchema = z.union([
  z.object({ ok: z.literal(true), usage: SpendUsageSchema }),
  z.object({ ok: z.literal(false), error: z.string().max(100), detail: z.string().max(2000) }),
])

/** The request the app sends (synchronously) to the chat Lambda. */
export const USAGE_REQUEST = { action: 'usage' } as const
