/** Protocol v2 (reasoning, stop reason, metrics) beside v1, and how the two sides agree on a version. */
import { describe, expect, expectTypeOf, it } from 'vitest'
import fc from 'fast-check'
import {
  AnswerMetricsSchema,
  decodeChunk,
  encodeChunk,
  MAX_CHUNK_TEXT,
  MAX_TOOL_NAME_CHARS,
  MAX_TOOL_NAMES,
  negotiateProtocol,
  noCommonProtocolMessage,
  StreamErrorCodeSchema,
  streamTopic,
  type ChunkMessage,
  type StreamErrorCode,
} from '../../../src-main/protocol/stream-protocol'
import { STOP_REASONS, type AnswerMetrics } from '../../../src-main/shared/answer'
import { sha256Hex } from '../../support/sha256'
import { unicodeText } from '../../support/unicode-text'

const me = { prefix: 'streamdesk', userId: 'us-east-1:abc-123' }
const topic = streamTopic(me.prefix, me.userId, 'stream-1')
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value))
const ids = { streamId: 'stream-1', modelId: 'r1' }
const decode = (value: unknown) => decodeChunk(topic, bytes(value), me)

const reasoningChunk: ChunkMessage = { v: 2, ...ids, seq: 0, text: '', reasoning: 'Let me think.' }
const v2Final: ChunkMessage = {
  v: 2,
  ...ids,
  seq: 1,
  text: '42',
  final: {
    total: 2,
    status: 'complete',
    sha256: sha256Hex('42'),
    reasoningSha256: sha256Hex('Let me think.'),
    stopReason: 'max-tokens',
    metrics: { inputTokens: 12, outputTokens: 40, reasoningTokens: 30, firstTokenMs: 310, durationMs: 2_000 },
  },
}

describe('protocol v2', () => {
  it('round-trips reasoning and a final with stop reason, metrics and both digests; usage is the token part', () => {
    expect(decode(encodeChunk(reasoningChunk))).toEqual({ ok: true, message: reasoningChunk })
    const decoded = decode(encodeChunk(v2Final))
    expect(decoded).toEqual({
      ok: true,
      message: { ...v2Final, final: { ...v2Final.final, usage: { inputTokens: 12, outputTokens: 40 } } },
    })
  })

  it('keeps reasoning out of the answer text on the wire', () => {
    const wire = JSON.parse(encodeChunk(reasoningChunk)) as Record<string, unknown>
    expect(wire).toEqual({ v: 2, ...ids, seq: 0, text: '', reasoning: 'Let me think.' })
  })

  it('writes a final in v1 without what v1 cannot carry, with the metrics token counts as usage', () => {
    const wire = JSON.parse(encodeChunk({ ...v2Final, v: 1, reasoning: 'hidden' })) as Record<string, unknown>
    expect(wire).toEqual({
      v: 1,
      ...ids,
      seq: 1,
      text: '42',
      final: { total: 2, status: 'complete', sha256: sha256Hex('42'), usage: { inputTokens: 12, outputTokens: 40 } },
    })
    expect(decode(wire)).toMatchObject({ ok: true })
  })

  it('writes v1 usage into v2 metrics, so a receiver-made final loses no token count in either version', () => {
    const final = { total: 1, status: 'complete' as const, usage: { outputTokens: 5 } }
    const wire = JSON.parse(encodeChunk({ v: 2, ...ids, seq: 0, text: 'x', final })) as { final: unknown }
    expect(wire.final).toEqual({ total: 1, status: 'complete', metrics: { outputTokens: 5 } })
  })

  it('carries "other" with the provider word, and refuses a raw word without "other" or "other" without one', () => {
    const final = { total: 1, status: 'complete' as const, stopReason: 'other' as const, rawStopReason: 'pause_turn' }
    const message: ChunkMessage = { v: 2, ...ids, seq: 0, text: '', final }
    expect(decode(encodeChunk(message))).toEqual({ ok: true, message })
    const wire = JSON.parse(encodeChunk(message)) as { final: Record<string, unknown> }
    for (const broken of [
      { ...wire.final, rawStopReason: undefined },
      { ...wire.final, stopReason: 'end' },
      { ...wire.final, stopReason: undefined },
    ]) {
      expect(decode({ ...wire, final: broken })).toMatchObject({ ok: false, reason: 'invalid-schema' })
    }
  })

  it('carries the tools a tool-call answer names and the redacted reasoning count; v1 drops both', () => {
    const final = {
      total: 1,
      status: 'complete' as const,
      sha256: sha256Hex(''),
      stopReason: 'tool-call' as const,
      toolNames: ['get_weather', 'search'],
      redactedReasoning: 2,
    }
    const message: ChunkMessage = { v: 2, ...ids, seq: 0, text: '', final }
    expect(decode(encodeChunk(message))).toEqual({ ok: true, message })
    const v1 = JSON.parse(encodeChunk({ ...message, v: 1 })) as { final: Record<string, unknown> }
    expect(v1.final).toEqual({ total: 1, status: 'complete', sha256: sha256Hex('') })
    // An empty list and a zero count are not written at all.
    const empty = JSON.parse(encodeChunk({ ...message, final: { ...final, toolNames: [], redactedReasoning: 0 } }))
    expect(empty.final).not.toHaveProperty('toolNames')
    expect(empty.final).not.toHaveProperty('redactedReasoning')
  })

  it('bounds the tool list and each name, and refuses a bad redacted count', () => {
    const wire = (extra: Record<string, unknown>) => ({
      v: 2,
      ...ids,
      seq: 0,
      text: '',
      final: { total: 1, status: 'complete', stopReason: 'tool-call', ...extra },
    })
    const names = (n: number) => Array.from({ length: n }, (_, i) => `tool_${i}`)
    expect(decode(wire({ toolNames: names(MAX_TOOL_NAMES) }))).toMatchObject({ ok: true })
    expect(decode(wire({ toolNames: ['x'.repeat(MAX_TOOL_NAME_CHARS)] }))).toMatchObject({ ok: true })
    for (const bad of [
      { toolNames: names(MAX_TOOL_NAMES + 1) },
      { toolNames: ['x'.repeat(MAX_TOOL_NAME_CHARS + 1)] },
      { toolNames: [''] },
      { toolNames: [] },
      { toolNames: 'get_weather' },
      { toolNames: [7] },
      { redactedReasoning: 0 },
      { redactedReasoning: 1.5 },
      { redactedReasoning: '2' },
    ]) {
      expect(decode(wire(bad))).toMatchObject({ ok: false, reason: 'invalid-schema' })
    }
  })

  it('refuses the v2-only final fields in a v1 chunk (v1 stays frozen and strict)', () => {
    for (const extra of [{ toolNames: ['t'] }, { redactedReasoning: 1 }, { stopReason: 'end' }]) {
      const v1 = { v: 1, ...ids, seq: 0, text: '', final: { total: 1, status: 'complete', ...extra } }
      expect(decode(v1)).toMatchObject({ ok: false, reason: 'invalid-schema' })
    }
  })

  it('accepts every stop reason of the shared vocabulary and nothing else', () => {
    for (const stopReason of STOP_REASONS.filter((r) => r !== 'other')) {
      expect(
        decode({ v: 2, ...ids, seq: 0, text: '', final: { total: 1, status: 'complete', stopReason } }),
      ).toMatchObject({ ok: true })
    }
    expect(
      decode({ v: 2, ...ids, seq: 0, text: '', final: { total: 1, status: 'complete', stopReason: 'length' } }),
    ).toMatchObject({ ok: false, reason: 'invalid-schema' })
  })

  it('bounds text and reasoning together, so a chunk always fits the payload limit', () => {
    const half = 'x'.repeat(MAX_CHUNK_TEXT / 2)
    expect(decode({ v: 2, ...ids, seq: 0, text: half, reasoning: half })).toMatchObject({ ok: true })
    expect(decode({ v: 2, ...ids, seq: 0, text: half, reasoning: `${half}x` })).toMatchObject({
      ok: false,
      reason: 'invalid-schema',
      detail: expect.stringContaining('reasoning'),
    })
  })

  const v2 = (over: Record<string, unknown>) => ({ v: 2, ...ids, seq: 0, text: '', ...over })
  it.each([
    ['an unknown field', v2({ extra: true })],
    ['an unknown final field', v2({ final: { total: 1, status: 'complete', extra: 1 } })],
    ['an unknown metric', v2({ final: { total: 1, status: 'complete', metrics: { costUsd: 1 } } })],
    ['v1 usage in a v2 final', v2({ final: { total: 1, status: 'complete', usage: { outputTokens: 1 } } })],
    ['a reasoning digest that is not hex', v2({ final: { total: 1, status: 'complete', reasoningSha256: 'abc' } })],
    ['a negative metric', v2({ final: { total: 1, status: 'complete', metrics: { firstTokenMs: -1 } } })],
    ['a token count of 10^12', v2({ final: { total: 1, status: 'complete', metrics: { outputTokens: 1e12 } } })],
    ['reasoning of the wrong type', v2({ reasoning: 42 })],
    ['a final total that disagrees', v2({ seq: 2, final: { total: 2, status: 'complete' } })],
    ['an error status without an error', v2({ final: { total: 1, status: 'error' } })],
  ])('stays strict: drops %s as invalid-schema', (_name, value) => {
    expect(decode(value)).toMatchObject({ ok: false, reason: 'invalid-schema' })
  })

  it.each([
    ['__proto__', '{"v":2,"streamId":"stream-1","modelId":"r1","seq":0,"text":"","__proto__":{"text":"x"}}'],
    ['constructor', '{"v":2,"streamId":"stream-1","modelId":"r1","seq":0,"text":"","constructor":{}}'],
    [
      'a final __proto__',
      '{"v":1,"streamId":"stream-1","modelId":"r1","seq":0,"text":"","final":{"total":1,"status":"complete","__proto__":{}}}',
    ],
    ['a v1 constructor', '{"v":1,"streamId":"stream-1","modelId":"r1","seq":0,"text":"","constructor":{}}'],
  ])('refuses a prototype key (%s) in any version', (_name, json) => {
    expect(decodeChunk(topic, bytes(json), me)).toMatchObject({ ok: false, reason: 'invalid-schema' })
  })

  it('accepts every well-formed v2 chunk and gives it back unchanged', () => {
    const text = unicodeText({ maxLength: 100 })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), text, text, (seq, answer, reasoning) => {
        const message: ChunkMessage = { v: 2, ...ids, seq, text: answer, ...(reasoning ? { reasoning } : {}) }
        expect(decode(encodeChunk(message))).toEqual({ ok: true, message })
      }),
    )
  })

  it('declares a schema for every metric of the shared AnswerMetrics type', () => {
    expectTypeOf<keyof typeof AnswerMetricsSchema.shape>().toEqualTypeOf<keyof AnswerMetrics>()
    const metrics: Required<AnswerMetrics> = {
      inputTokens: 1,
      outputTokens: 2,
      reasoningTokens: 3,
      firstTokenMs: 4,
      firstAnswerTokenMs: 5,
      durationMs: 6,
    }
    expect(AnswerMetricsSchema.parse(metrics)).toEqual(metrics)
  })
})

describe('what a refused chunk is told', () => {
  it('names the field and the rule each refinement enforces', () => {
    const detail = (value: unknown) => {
      const result = decode(value)
      return result.ok ? 'accepted' : result.detail
    }
    expect(detail({ ...reasoningChunk, seq: 2, final: { total: 2, status: 'complete' } })).toBe(
      'final.total: final.total must equal seq + 1',
    )
    expect(detail({ ...reasoningChunk, final: { total: 1, status: 'error' } })).toBe(
      'final.error: final.error is present exactly when final.status is "error"',
    )
    expect(detail({ ...reasoningChunk, text: 'x'.repeat(MAX_CHUNK_TEXT - 1), reasoning: 'yy' })).toBe(
      `reasoning: text and reasoning together exceed ${MAX_CHUNK_TEXT} characters`,
    )
    expect(
      detail({ ...reasoningChunk, final: { total: 1, status: 'complete', stopReason: 'end', rawStopReason: 'x' } }),
    ).toBe('final.rawStopReason: final.rawStopReason is present exactly when final.stopReason is "other"')
    expect(detail({ ...reasoningChunk, modelId: 'a/b' })).toBe(
      'modelId: ids are 1-128 characters of A-Z a-z 0-9 _ . : -',
    )
    const elsewhere = decodeChunk(streamTopic(me.prefix, me.userId, 'stream-2'), bytes(reasoningChunk), me)
    expect(elsewhere).toEqual({
      ok: false,
      reason: 'foreign-topic',
      detail: 'payload streamId does not match its topic',
    })
  })

  it('carries every error code, in either version', () => {
    // The codes senders use (ModelError's), written out: the schema's own list would accept whatever it says.
    const codes: StreamErrorCode[] = [
      'connection-refused',
      'unauthorized',
      'rate-limited',
      'model-not-found',
      'bad-response',
      'timeout',
      'internal',
    ]
    expect([...StreamErrorCodeSchema.options].sort()).toEqual([...codes].sort())
    for (const code of codes) {
      for (const v of [1, 2] as const) {
        const message: ChunkMessage = {
          v,
          ...ids,
          seq: 0,
          text: '',
          final: { total: 1, status: 'error', error: { code, message: 'm' } },
        }
        expect(decode(encodeChunk(message))).toEqual({ ok: true, message })
      }
    }
  })

  it('writes the metrics token counts as v1 usage, whichever of them there is', () => {
    for (const metrics of [{ inputTokens: 3 }, { outputTokens: 4 }, { durationMs: 9 }]) {
      const message: ChunkMessage = { v: 1, ...ids, seq: 0, text: '', final: { total: 1, status: 'complete', metrics } }
      const wire = JSON.parse(encodeChunk(message)) as { final: { usage?: unknown } }
      expect(wire.final.usage).toEqual('durationMs' in metrics ? undefined : metrics)
    }
  })
})

describe('negotiation', () => {
  it('picks the highest version both speak; a request that states none reads v1', () => {
    expect(negotiateProtocol(undefined)).toBe(1)
    expect(negotiateProtocol([1])).toBe(1)
    expect(negotiateProtocol([1, 2])).toBe(2)
    expect(negotiateProtocol([2, 1])).toBe(2)
    expect(negotiateProtocol([1, 2, 7])).toBe(2)
    expect(negotiateProtocol([1, 2], [1])).toBe(1)
    expect(negotiateProtocol([1, 2, 3])).toBe(3)
    // Versions newer than any this backend knows (it speaks 1 to 3).
    expect(negotiateProtocol([4, 5])).toBeUndefined()
  })

  it('says which side is older when they share no version', () => {
    expect(noCommonProtocolMessage([4, 5])).toMatch(/^The backend is older than this app.*redeploy/)
    expect(noCommonProtocolMessage([1], [2])).toMatch(/^This app is older than the backend.*update the app/)
    // Every version listed; the backend counts as older only when all the app's versions are newer than its own.
    expect(noCommonProtocolMessage([3, 4], [1, 2])).toBe(
      'The backend is older than this app (it speaks protocol 1, 2, the app 3, 4): redeploy the backend (npm run cdktf:deploy).',
    )
    expect(noCommonProtocolMessage([1, 3], [2])).toBe(
      'This app is older than the backend (it speaks protocol 1, 3, the backend 2): update the app.',
    )
  })
})
