/**
 * The answer-archive contract crosses a deploy boundary both ways: the fetch-stream request (app → Lambda) and the
 * archived answers (Lambda → app) tolerate unknown keys and drop prototype keys; what an app from before protocol v2
 * receives passes its own frozen, strict schema.
 */
import { describe, expect, it } from 'vitest'
import {
  archivedAnswerV1,
  ArchivedAnswerSchema,
  FetchStreamRequestSchema,
  FetchStreamResultSchema,
  type ArchivedAnswer,
} from '../../../src-main/protocol/answer-archive'
import * as frozen from '../../fixtures/protocol-v1/answer-archive-v1'
import { sha256Hex } from '../../support/sha256'

const full: ArchivedAnswer = {
  streamId: 'stream-1',
  modelId: 'r1',
  text: '42.',
  status: 'complete',
  chunks: 3,
  sha256: sha256Hex('42.'),
  usage: { inputTokens: 5, outputTokens: 9 },
  storedAt: 1_000,
  reasoning: 'Six times seven.',
  reasoningSha256: sha256Hex('Six times seven.'),
  stopReason: 'tool-call',
  toolNames: ['calculator'],
  redactedReasoning: 1,
  metrics: { inputTokens: 5, outputTokens: 9, reasoningTokens: 4, firstTokenMs: 120, durationMs: 900 },
}

describe('answer archive contract', () => {
  it('tolerates unknown keys in the fetch request and drops prototype keys', () => {
    const parsed = FetchStreamRequestSchema.parse(
      JSON.parse('{"streamId":"s-1","protocols":[1,2],"wantsImages":true,"__proto__":{"admin":true}}'),
    )
    expect(parsed).toEqual({ streamId: 's-1', protocols: [1, 2] })
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype)
    expect((parsed as Record<string, unknown>).admin).toBeUndefined()
    // What it knows it still checks.
    expect(FetchStreamRequestSchema.safeParse({ streamId: 'a/b' }).success).toBe(false)
    expect(FetchStreamRequestSchema.safeParse({ streamId: 's', protocols: [] }).success).toBe(false)
  })

  it("reads a newer backend's archived answer, dropping the fields it does not know", () => {
    const newer = { ...full, fromTheFuture: { x: 1 }, metrics: { ...full.metrics, joules: 3 } }
    const result = FetchStreamResultSchema.parse({ ok: true, streamId: 'stream-1', answers: [newer], later: 1 })
    expect(result).toEqual({ ok: true, streamId: 'stream-1', answers: [full] })
    expect(ArchivedAnswerSchema.safeParse({ ...full, stopReason: 'length' }).success).toBe(false)
    expect(ArchivedAnswerSchema.safeParse({ ...full, toolNames: [''] }).success).toBe(false)
  })

  it('gives an app from before v2 only what its strict schema accepts, and nothing of the reasoning', () => {
    const v1 = archivedAnswerV1(full)
    expect(frozen.ArchivedAnswerSchema.safeParse(full).success).toBe(false) // why the reader must strip
    expect(frozen.ArchivedAnswerSchema.parse(v1)).toEqual({
      streamId: 'stream-1',
      modelId: 'r1',
      text: '42.',
      status: 'complete',
      chunks: 3,
      sha256: sha256Hex('42.'),
      usage: { inputTokens: 5, outputTokens: 9 },
      storedAt: 1_000,
    })
  })
})
