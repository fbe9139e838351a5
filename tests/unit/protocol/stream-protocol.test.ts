import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  decodeChunk,
  encodeChunk,
  MAX_PAYLOAD_BYTES,
  MAX_SEQ,
  streamTopic,
  userStreamsFilter,
  type ChunkMessage,
} from '../../../src-main/protocol/stream-protocol'

const me = { prefix: 'streamdesk', userId: 'us-east-1:abc-123' }
const topic = streamTopic(me.prefix, me.userId, 'stream-1')
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value))
const chunk = (over: Partial<ChunkMessage> = {}): ChunkMessage => ({
  v: 1,
  streamId: 'stream-1',
  modelId: 'claude',
  seq: 0,
  text: 'Hi',
  ...over,
})

describe('stream protocol', () => {
  it('puts each user under one subscription filter that matches their stream topics', () => {
    expect(topic).toBe('streamdesk/us-east-1:abc-123/stream-1')
    expect(userStreamsFilter(me.prefix, me.userId)).toBe('streamdesk/us-east-1:abc-123/+')
  })

  it('round-trips delta and final chunks', () => {
    const final = chunk({ seq: 4, text: '', final: { total: 5, status: 'complete', usage: { outputTokens: 9 } } })
    for (const message of [chunk(), final]) {
      expect(decodeChunk(topic, bytes(encodeChunk(message)), me)).toEqual({ ok: true, message })
    }
  })

  it('accepts an error final and requires the error exactly when the status is error', () => {
    const error = { code: 'rate-limited' as const, message: 'slow down' }
    expect(decodeChunk(topic, bytes(chunk({ seq: 0, final: { total: 1, status: 'error', error } })), me).ok).toBe(true)
    const missing = decodeChunk(topic, bytes(chunk({ final: { total: 1, status: 'error' } })), me)
    expect(missing).toMatchObject({ ok: false, reason: 'invalid-schema' })
    const extra = decodeChunk(topic, bytes(chunk({ final: { total: 1, status: 'complete', error } })), me)
    expect(extra).toMatchObject({ ok: false, reason: 'invalid-schema' })
  })

  it('rejects a final whose total disagrees with its sequence number', () => {
    const result = decodeChunk(topic, bytes(chunk({ seq: 3, final: { total: 3, status: 'complete' } })), me)
    expect(result).toMatchObject({
      ok: false,
      reason: 'invalid-schema',
      detail: expect.stringContaining('final.total'),
    })
  })

  it.each([
    ['not JSON', bytes('{"v":1,'), 'not-json'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'not-json'],
    ['a JSON array', bytes([1, 2]), 'unsupported-version'],
    ['JSON null', bytes('null'), 'unsupported-version'],
    // v2 exists now (tested below), so "a future version" is v3.
    ['a future version', bytes({ ...chunk(), v: 3 }), 'unsupported-version'],
    ['no version', bytes({ ...chunk(), v: undefined }), 'unsupported-version'],
    ['a string sequence number', bytes({ ...chunk(), seq: '0' }), 'invalid-schema'],
    ['a negative sequence number', bytes(chunk({ seq: -1 })), 'invalid-schema'],
    ['a fractional sequence number', bytes(chunk({ seq: 1.5 })), 'invalid-schema'],
    ['a sequence number of 10^12', bytes(chunk({ seq: 1e12 })), 'invalid-schema'],
    ['a model id with a slash', bytes(chunk({ modelId: 'a/b' })), 'invalid-schema'],
    ['an unknown field', bytes({ ...chunk(), extra: true }), 'invalid-schema'],
    [
      'a digest that is not hex SHA-256',
      bytes(chunk({ final: { total: 1, status: 'complete', sha256: 'abc' } })),
      'invalid-schema',
    ],
    [
      'an unknown error code',
      bytes(chunk({ final: { total: 1, status: 'error', error: { code: 'nope' as never, message: '' } } })),
      'invalid-schema',
    ],
  ])('drops %s with a reason', (_name, payload, reason) => {
    expect(decodeChunk(topic, payload, me)).toMatchObject({ ok: false, reason })
  })

  it('refuses an oversized payload before parsing it', () => {
    const huge = new Uint8Array(5 * 1024 * 1024).fill(0x20)
    expect(decodeChunk(topic, huge, me)).toMatchObject({ ok: false, reason: 'oversized' })
    expect(decodeChunk(topic, new Uint8Array(MAX_PAYLOAD_BYTES + 1), me)).toMatchObject({ reason: 'oversized' })
  })

  it("refuses topics outside the user's own streams and payloads that contradict their topic", () => {
    const payload = bytes(chunk())
    expect(decodeChunk(streamTopic(me.prefix, 'someone-else', 'stream-1'), payload, me)).toMatchObject({
      reason: 'foreign-topic',
    })
    expect(decodeChunk(`${topic}/extra`, payload, me)).toMatchObject({ reason: 'foreign-topic' })
    expect(decodeChunk(streamTopic('other', me.userId, 'stream-1'), payload, me)).toMatchObject({
      reason: 'foreign-topic',
    })
    expect(decodeChunk(streamTopic(me.prefix, me.userId, 'stream-2'), payload, me)).toMatchObject({
      reason: 'foreign-topic',
    })
  })

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.string(), (payload, anyTopic) => {
        const result = decodeChunk(anyTopic, payload, me)
        expect(typeof result.ok).toBe('boolean')
      }),
    )
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = decodeChunk(topic, bytes(JSON.stringify(value)), me)
        expect(result.ok).toBe(false)
      }),
    )
  })

  it('accepts every well-formed chunk', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/)
    fc.assert(
      fc.property(id, fc.integer({ min: 0, max: MAX_SEQ }), fc.string({ maxLength: 200 }), (modelId, seq, text) => {
        const message = chunk({ modelId, seq, text })
        expect(decodeChunk(topic, bytes(encodeChunk(message)), me)).toEqual({ ok: true, message })
      }),
    )
  })
})
