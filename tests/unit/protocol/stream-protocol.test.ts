import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  decodeChunk,
  encodeChunk,
  MAX_CHUNK_TEXT,
  MAX_PAYLOAD_BYTES,
  MAX_SEQ,
  streamTopic,
  userStreamsFilter,
  type ChunkMessage,
} from '../../../src-main/protocol/stream-protocol'
import { unicodeText } from '../../support/unicode-text'

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
    // v2 and v3 exist now (tests/unit/protocol/protocol-versions.test.ts), so "a future version" is v4.
    ['a future version', bytes({ ...chunk(), v: 4 }), 'unsupported-version'],
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
      fc.property(fc.uint8Array({ maxLength: 512 }), unicodeText(), (payload, anyTopic) => {
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
      fc.property(id, fc.integer({ min: 0, max: MAX_SEQ }), unicodeText({ maxLength: 200 }), (modelId, seq, text) => {
        const message = chunk({ modelId, seq, text })
        expect(decodeChunk(topic, bytes(encodeChunk(message)), me)).toEqual({ ok: true, message })
      }),
    )
  })

  describe('guards at their boundaries', () => {
    const accepted = (message: ChunkMessage) =>
      expect(decodeChunk(topic, bytes(encodeChunk(message)), me)).toEqual({ ok: true, message })
    const refused = (payload: unknown, reason = 'invalid-schema') =>
      expect(decodeChunk(topic, bytes(payload), me)).toMatchObject({ ok: false, reason })

    /** A valid chunk's bytes with the text's placeholder `@` replaced by raw bytes. */
    function withRawTextBytes(raw: number[]): Uint8Array {
      const valid = bytes(encodeChunk(chunk({ text: 'a@b' })))
      const at = valid.indexOf(0x40)
      return Uint8Array.from([...valid.subarray(0, at), ...raw, ...valid.subarray(at + 1)])
    }

    it.each([
      ['a lone lead byte 0xC3', [0xc3]],
      ['the byte 0xFF', [0xff]],
      ['a stray continuation byte 0x80', [0x80]],
      ['an overlong "/" (0xC0 0xAF)', [0xc0, 0xaf]],
      ['an encoded surrogate half (0xED 0xA0 0x80)', [0xed, 0xa0, 0x80]],
      ['a truncated 4-byte sequence', [0xf0, 0x9f, 0x98]],
      ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ])('refuses %s inside a JSON string of an otherwise valid chunk as not-json', (_name, raw) => {
      // The same bytes with a valid character in that place are accepted: only the encoding is at fault.
      expect(decodeChunk(topic, withRawTextBytes([0xc3, 0xa9]), me)).toMatchObject({
        ok: true,
        message: { text: 'aéb' },
      })
      expect(decodeChunk(topic, withRawTextBytes(raw), me)).toMatchObject({ ok: false, reason: 'not-json' })
    })

    it('accepts a payload of exactly MAX_PAYLOAD_BYTES and refuses one byte more, before parsing', () => {
      const json = encodeChunk(chunk())
      const padded = (size: number) => bytes(json + ' '.repeat(size - bytes(json).length))
      expect(decodeChunk(topic, padded(MAX_PAYLOAD_BYTES), me)).toEqual({ ok: true, message: chunk() })
      expect(decodeChunk(topic, padded(MAX_PAYLOAD_BYTES + 1), me)).toMatchObject({
        ok: false,
        reason: 'oversized',
        detail: `${MAX_PAYLOAD_BYTES + 1} bytes > ${MAX_PAYLOAD_BYTES}`,
      })
    })

    it('bounds the text at MAX_CHUNK_TEXT UTF-16 units, astral characters counting two', () => {
      accepted(chunk({ text: 'x'.repeat(MAX_CHUNK_TEXT) }))
      accepted(chunk({ text: '😀'.repeat(MAX_CHUNK_TEXT / 2) }))
      refused(chunk({ text: 'x'.repeat(MAX_CHUNK_TEXT + 1) }))
      refused(chunk({ text: `${'😀'.repeat(MAX_CHUNK_TEXT / 2)}x` }))
      // The largest text of the largest characters still fits the payload limit (3 bytes per unit, escapes aside).
      const widest = chunk({ text: '€'.repeat(MAX_CHUNK_TEXT) })
      expect(bytes(encodeChunk(widest)).byteLength).toBeLessThan(MAX_PAYLOAD_BYTES)
      accepted(widest)
    })

    it('bounds ids at 1 to 128 characters of the topic-safe alphabet', () => {
      accepted(chunk({ modelId: 'm'.repeat(128) }))
      accepted(chunk({ modelId: 'a-Z_0.9:x' }))
      refused(chunk({ modelId: 'm'.repeat(129) }))
      refused(chunk({ modelId: '' }))
      for (const bad of ['a+b', 'a#b', 'a b', 'a\nb', 'é', '😀']) refused(chunk({ modelId: bad }))
      // The stream id is held to the same rule (the topic level agrees with it, so it is the same string).
      const longId = 's'.repeat(129)
      expect(
        decodeChunk(streamTopic(me.prefix, me.userId, longId), bytes(chunk({ streamId: longId })), me),
      ).toMatchObject({ ok: false, reason: 'invalid-schema' })
    })

    it('accepts sequence numbers up to MAX_SEQ, a final there included, and refuses MAX_SEQ + 1', () => {
      accepted(chunk({ seq: MAX_SEQ }))
      accepted(chunk({ seq: MAX_SEQ, text: '', final: { total: MAX_SEQ + 1, status: 'complete' } }))
      refused(chunk({ seq: MAX_SEQ + 1 }))
      refused(chunk({ seq: 0, final: { total: 0, status: 'complete' } }))
      refused(chunk({ seq: 1, final: { total: 3, status: 'complete' } }))
    })

    it('bounds an error message at 2,000 characters', () => {
      const error = (message: string) =>
        chunk({ final: { total: 1, status: 'error', error: { code: 'internal', message } } })
      accepted(error('e'.repeat(2000)))
      refused(error('e'.repeat(2001)))
    })

    it('refuses a version that only looks like one', () => {
      for (const v of ['1', 1.5, 0, true, [1]]) refused({ ...chunk(), v }, 'unsupported-version')
    })

    it('checks the topic before parsing, and an empty or missing stream level cannot match a payload', () => {
      expect(decodeChunk(streamTopic('other', me.userId, 'stream-1'), bytes('not json'), me)).toMatchObject({
        reason: 'foreign-topic',
      })
      for (const shortTopic of [`${me.prefix}/${me.userId}`, `${me.prefix}/${me.userId}/`, '']) {
        expect(decodeChunk(shortTopic, bytes(chunk()), me)).toMatchObject({ ok: false, reason: 'foreign-topic' })
      }
    })

    it('keeps a hostile topic or version out of the detail beyond 80 characters', () => {
      const longTopic = `x/${'y'.repeat(500)}/z`
      const topicResult = decodeChunk(longTopic, bytes(chunk()), me)
      expect(topicResult).toMatchObject({ ok: false, reason: 'foreign-topic' })
      expect(!topicResult.ok && topicResult.detail).toBe(
        `topic ${longTopic.slice(0, 80)}… is outside this user's streams`,
      )
      const versionResult = decodeChunk(topic, bytes({ ...chunk(), v: 'v'.repeat(81) }), me)
      expect(!versionResult.ok && versionResult.detail).toBe(`protocol version ${'v'.repeat(80)}…`)
      const shortVersion = decodeChunk(topic, bytes({ ...chunk(), v: 'v'.repeat(80) }), me)
      expect(!shortVersion.ok && shortVersion.detail).toBe(`protocol version ${'v'.repeat(80)}`)
    })
  })
})
