/** The chat Lambda's usage answer as the app reads it (src-main/protocol/spend-usage.ts): tolerant, bounded. */
import { describe, expect, it } from 'vitest'
import { SpendUsageSchema, USAGE_REQUEST, UsageResultSchema } from '../../../src-main/protocol/spend-usage'

const usage = {
  dayTokens: 1_200,
  monthTokens: 50_000,
  limits: { dailyTokens: 200_000, monthlyTokens: 2_000_000, concurrentStreams: 4 },
  dayResetsAt: Date.UTC(2026, 11, 8),
  monthResetsAt: Date.UTC(2027, 0, 1),
}

describe('spend usage', () => {
  it('reads a usage answer, dropping figures a later backend added', () => {
    const later = { ok: true, usage: { ...usage, weekTokens: 9, limits: { ...usage.limits, weeklyTokens: 1 } }, v: 2 }
    expect(UsageResultSchema.parse(later)).toEqual({ ok: true, usage })
    expect(JSON.stringify(USAGE_REQUEST)).toBe('{"action":"usage"}')
  })

  it('reads a refusal with its reason, bounded', () => {
    const refusal = { ok: false, error: 'no-identity', detail: 'Sign in first.' }
    expect(UsageResultSchema.parse(refusal)).toEqual(refusal)
    expect(UsageResultSchema.safeParse({ ...refusal, error: 'e'.repeat(100) }).success).toBe(true)
    expect(UsageResultSchema.safeParse({ ...refusal, error: 'e'.repeat(101) }).success).toBe(false)
    expect(UsageResultSchema.safeParse({ ...refusal, detail: 'd'.repeat(2000) }).success).toBe(true)
    expect(UsageResultSchema.safeParse({ ...refusal, detail: 'd'.repeat(2001) }).success).toBe(false)
    // A success without its usage, or a refusal without its words, is neither.
    expect(UsageResultSchema.safeParse({ ok: true }).success).toBe(false)
    expect(UsageResultSchema.safeParse({ ok: false, error: 'x' }).success).toBe(false)
    expect(UsageResultSchema.safeParse({ ok: true, error: 'x', detail: 'y' }).success).toBe(false)
    expect(UsageResultSchema.safeParse({ ok: false, usage }).success).toBe(false)
  })

  const accepts = (patch: Record<string, unknown>) => SpendUsageSchema.safeParse({ ...usage, ...patch }).success
  const limits = (patch: Record<string, unknown>) => ({ limits: { ...usage.limits, ...patch } })

  it.each([
    ['token counts', ['dayTokens', 'monthTokens'], 1e13],
    ['reset times', ['dayResetsAt', 'monthResetsAt'], 8.64e15],
  ])('takes %s from 0 to their largest, whole numbers only', (_name, fields, largest) => {
    for (const field of fields) {
      expect(
        [0, largest].map((value) => accepts({ [field]: value })),
        field,
      ).toEqual([true, true])
      expect(
        [-1, largest + 1, 1.5, '1'].map((value) => accepts({ [field]: value })),
        field,
      ).toEqual([false, false, false, false])
    }
  })

  it('takes limits in range: token limits from 0, concurrent streams from 1 to 1000', () => {
    for (const field of ['dailyTokens', 'monthlyTokens']) {
      expect(
        [0, 1e13].map((value) => accepts(limits({ [field]: value }))),
        field,
      ).toEqual([true, true])
      expect(
        [-1, 1e13 + 1, 0.5].map((value) => accepts(limits({ [field]: value }))),
        field,
      ).toEqual([false, false, false])
    }
    const streams = (value: number) => accepts(limits({ concurrentStreams: value }))
    expect([1, 1000].map(streams)).toEqual([true, true])
    expect([0, 1001, 2.5].map(streams)).toEqual([false, false, false])
  })
})
