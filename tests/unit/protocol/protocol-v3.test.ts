/**
 * Protocol v3: v2 plus the spend guard's refusal (error 'quota-exceeded' with `quota`), and how it reaches clients
 * that read only v1 or v2 ('rate-limited', the same English words, no `quota`).
 */
import { describe, expect, it } from 'vitest'
import {
  decodeChunk,
  encodeChunk,
  streamTopic,
  type ChunkMessage,
  type ProtocolVersion,
} from '../../../src-main/protocol/stream-protocol'
import { sha256Hex } from '../../support/sha256'
import * as frozenV1 from '../../fixtures/protocol-v1/stream-protocol-v1'

const me = { prefix: 'streamdesk', userId: 'us-east-1:abc-123' }
const topic = streamTopic(me.prefix, me.userId, 'stream-1')
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value))
const decode = (value: unknown) => decodeChunk(topic, bytes(value), me)
const MESSAGE = 'Your daily budget of 200,000 tokens is used; it resets at 00:00 UTC'
const RESET = Date.parse('2026-12-08T00:00:00Z')

const refusal = (v: ProtocolVersion): ChunkMessage => ({
  v,
  streamId: 'stream-1',
  modelId: 'claude',
  seq: 0,
  text: '',
  final: {
    total: 1,
    status: 'error',
    sha256: sha256Hex(''),
    stopReason: 'error',
    error: { code: 'quota-exceeded', message: MESSAGE },
    quota: { kind: 'daily-tokens', limit: 200_000, resetsAt: RESET },
  },
})

describe('protocol v3', () => {
  it('carries the refusal with its quota, exactly', () => {
    const wire = JSON.parse(encodeChunk(refusal(3))) as Record<string, unknown>
    expect(wire).toMatchObject({
      v: 3,
      final: { error: { code: 'quota-exceeded', message: MESSAGE }, quota: { kind: 'daily-tokens', limit: 200_000 } },
    })
    expect(decode(wire)).toEqual({ ok: true, message: refusal(3) })
  })

  it('gives a v2 client the same words as rate-limited, without the quota it would refuse', () => {
    const wire = JSON.parse(encodeChunk(refusal(2))) as { final: Record<string, unknown> }
    expect(wire.final.error).toEqual({ code: 'rate-limited', message: MESSAGE })
    expect(wire.final).not.toHaveProperty('quota')
    expect(decode(wire)).toMatchObject({ ok: true, message: { v: 2, final: { error: { code: 'rate-limited' } } } })
  })

  it('gives a v1 client a chunk the frozen v1 decoder accepts', () => {
    const payload = bytes(encodeChunk(refusal(1)))
    const old = frozenV1.decodeChunk(topic, payload, me)
    expect(old).toMatchObject({
      ok: true,
      message: { v: 1, final: { status: 'error', error: { code: 'rate-limited', message: MESSAGE } } },
    })
  })

  it('keeps every v2 feature in v3 (reasoning, stop reason, metrics)', () => {
    const v3: ChunkMessage = {
      v: 3,
      streamId: 'stream-1',
      modelId: 'r1',
      seq: 1,
      text: '42',
      reasoning: 'hm',
      final: {
        total: 2,
        status: 'complete',
        sha256: sha256Hex('42'),
        stopReason: 'max-tokens',
        metrics: { inputTokens: 3, outputTokens: 4 },
        usage: { inputTokens: 3, outputTokens: 4 },
      },
    }
    expect(decode(encodeChunk(v3))).toEqual({ ok: true, message: v3 })
  })

  const wire3 = (final: Record<string, unknown>) => ({
    v: 3,
    streamId: 'stream-1',
    modelId: 'claude',
    seq: 0,
    text: '',
    final: { total: 1, status: 'error', ...final },
  })
  it.each([
    [
      'a quota without its error code',
      { error: { code: 'rate-limited', message: 'm' }, quota: { kind: 'daily-tokens', limit: 1 } },
    ],
    ['the error code without a quota', { error: { code: 'quota-exceeded', message: 'm' } }],
    [
      'a quota kind that does not exist',
      { error: { code: 'quota-exceeded', message: 'm' }, quota: { kind: 'weekly', limit: 1 } },
    ],
    [
      'a negative limit',
      { error: { code: 'quota-exceeded', message: 'm' }, quota: { kind: 'daily-tokens', limit: -1 } },
    ],
    [
      'an unknown quota field',
      { error: { code: 'quota-exceeded', message: 'm' }, quota: { kind: 'daily-tokens', limit: 1, x: 1 } },
    ],
  ])('refuses %s (v3 is strict)', (_name, final) => {
    expect(decode(wire3(final))).toMatchObject({ ok: false, reason: 'invalid-schema' })
  })

  it('refuses quota-exceeded in a v2 chunk: v2 stays frozen', () => {
    const v2 = { ...wire3({ error: { code: 'quota-exceeded', message: 'm' } }), v: 2 }
    expect(decode(v2)).toMatchObject({ ok: false, reason: 'invalid-schema' })
  })
})
