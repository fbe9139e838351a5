/** The end details the history keeps: the spend guard's refusal survives a restart, so the column words it again. */
import { describe, expect, it } from 'vitest'
import { decodeEndDetails, encodeEndDetails } from '../../../src-main/core/history/answer-end-details'

describe('answer end details', () => {
  it('keeps the quota of a refused prompt, and drops one that does not fit', () => {
    const quota = { kind: 'daily-tokens', limit: 200_000, resetsAt: Date.parse('2026-12-08T00:00:00Z') } as const
    const json = encodeEndDetails({ status: 'error', stopReason: 'error', quota })
    expect(decodeEndDetails(json)).toEqual({ stopReason: 'error', quota })
    expect(decodeEndDetails(JSON.stringify({ quota: { kind: 'weekly', limit: 1 } }))).toBeUndefined()
  })
})
