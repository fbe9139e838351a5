import { describe, expect, it } from 'vitest'
import {
  InboundGate,
  MAX_CONNECT_REMAINING_LENGTH,
  MAX_PACKET_BYTES,
  MAX_UNAUTHENTICATED_BYTES,
  type GateRefusal,
} from '../../../src-main/core/local-mode/inbound-gate'
import {
  ChunkMessageV2Schema,
  encodeChunk,
  MAX_CHUNK_TEXT,
  MAX_PAYLOAD_BYTES,
  MAX_RAW_STOP_REASON_CHARS,
  MAX_SEQ,
  MAX_TOOL_NAME_CHARS,
  MAX_TOOL_NAMES,
  streamTopic,
} from '../../../src-main/protocol/stream-protocol'
import { MAX_DURATION_MS, MAX_TOKEN_COUNT } from '../../../src-main/shared/answer'
import { connectPacket, declaredHeader, packet, PINGREQ, publishPacket } from '../../support/raw-mqtt'

interface Fed {
  /** What the gate handed on after each chunk, concatenated. */
  passedAfter: Buffer[]
  refused?: GateRefusal
  refusedAt?: number
}

function feed(gate: InboundGate, chunks: Uint8Array[]): Fed {
  const passed: Uint8Array[] = []
  const passedAfter: Buffer[] = []
  for (const [index, chunk] of chunks.entries()) {
    const verdict = gate.accept(chunk)
    if ('refused' in verdict) return { passedAfter, refused: verdict.refused, refusedAt: index }
    passed.push(...verdict.pass)
    passedAfter.push(Buffer.concat(passed))
  }
  return { passedAfter }
}

/**
 * Feeds `stream` cut at `cuts`; says what went wrong (or undefined): a refusal, bytes handed on that differ from
 * the stream, or (when given) another count handed on after the first chunk. Plain checks, as it runs thousands of
 * times.
 */
function checkSplit(gate: InboundGate, stream: Buffer, cuts: number[], passedAfterFirst?: number): string | undefined {
  let offset = 0
  for (const [index, chunk] of split(stream, ...cuts).entries()) {
    const verdict = gate.accept(chunk)
    if ('refused' in verdict) return `refused: ${verdict.refused}`
    for (const piece of verdict.pass) {
      if (Buffer.compare(piece, stream.subarray(offset, offset + piece.length)) !== 0) return `differs at ${offset}`
      offset += piece.length
    }
    if (index === 0 && passedAfterFirst !== undefined && offset !== passedAfterFirst) {
      return `${offset} bytes handed on after the first chunk, not ${passedAfterFirst}`
    }
  }
  return offset === stream.length ? undefined : `${offset} of ${stream.length} bytes handed on`
}

const split = (bytes: Buffer, ...cuts: number[]) =>
  [0, ...cuts].map((from, i) => bytes.subarray(from, [...cuts, bytes.length][i]))

/** Where each packet's header starts and how long it is, for a stream made of these packets. */
function headerSpans(packets: Buffer[]): Array<{ start: number; length: number }> {
  let start = 0
  return packets.map((bytes) => {
    let length = 2
    while (bytes[length - 1]! & 0x80) length += 1
    const span = { start, length }
    start += bytes.length
    return span
  })
}

/** The bytes a gate may hold back after a cut: those of a header the cut falls inside, and no more. */
function heldAt(cut: number, spans: Array<{ start: number; length: number }>): number {
  const inside = spans.find(({ start, length }) => cut > start && cut < start + length)
  return inside ? cut - inside.start : 0
}

const appConnect = connectPacket({
  clientId: 'streamdesk-backend-0a1b2c3d',
  username: 'backend-4e5f6a7b',
  password: 'x'.repeat(43),
  keepAliveSec: 10,
})

function authenticatedGate(): InboundGate {
  const gate = new InboundGate()
  if ('refused' in gate.accept(appConnect)) throw new Error('the app-like CONNECT was refused')
  gate.authenticate()
  return gate
}

describe('the inbound gate in front of the embedded broker', () => {
  it('hands on a CONNECT and what follows it unchanged, however TCP splits them (every one- and two-cut split)', () => {
    const packets = [appConnect, PINGREQ]
    const stream = Buffer.concat(packets)
    const spans = headerSpans(packets)
    const wrong: string[] = []
    for (let cut = 0; cut <= stream.length; cut += 1) {
      const problem = checkSplit(new InboundGate(), stream, [cut], cut - heldAt(cut, spans))
      if (problem) wrong.push(`cut ${cut}: ${problem}`)
      for (let second = cut; second <= stream.length; second += 1) {
        const twice = checkSplit(new InboundGate(), stream, [cut, second])
        if (twice) wrong.push(`cuts ${cut}, ${second}: ${twice}`)
      }
    }
    const byteByByte = feed(
      new InboundGate(),
      [...stream].map((byte) => Uint8Array.of(byte)),
    )
    expect(byteByByte.passedAfter.at(-1)).toEqual(stream)
    expect(byteByByte.passedAfter[0]!.length).toBe(0) // the first header byte alone decides nothing
    expect(wrong).toEqual([])
  })

  it('reads 2- and 3-byte remaining lengths split at every point after authentication', () => {
    const packets = [
      publishPacket('streamdesk/local/s1', Buffer.alloc(200, 0x61)),
      PINGREQ,
      publishPacket('streamdesk/local/s1', Buffer.alloc(20_000, 0x62), 2),
      publishPacket('streamdesk/local/s1', Buffer.alloc(3, 0x63), 3),
    ]
    expect(packets[2]![3]! & 0x80).toBe(0) // the third length byte ends the 3-byte length
    const stream = Buffer.concat(packets)
    const spans = headerSpans(packets)
    const wrong: string[] = []
    for (let cut = 0; cut <= stream.length; cut += 1) {
      const problem = checkSplit(authenticatedGate(), stream, [cut], cut - heldAt(cut, spans))
      if (problem) wrong.push(`cut ${cut}: ${problem}`)
    }
    expect(wrong).toEqual([])
  })

  it('refuses a CONNECT declaring 268 MB at its last header byte, wherever the header is split', () => {
    const attack = Buffer.concat([declaredHeader(0x10, 268_435_455), Buffer.alloc(100, 0x41)])
    expect(attack.subarray(0, 5)).toEqual(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]))
    for (let cut = 1; cut < 5; cut += 1) {
      const fed = feed(new InboundGate(), split(attack, cut))
      expect(fed).toMatchObject({ refused: 'connect-oversized', refusedAt: 1 })
      expect(fed.passedAfter[0]!.length).toBe(0) // nothing of it ever reached the broker
    }
    expect(feed(new InboundGate(), [attack])).toEqual({ passedAfter: [], refused: 'connect-oversized', refusedAt: 0 })
  })

  it('reads a CONNECT up to the bound computed from its fields, and not one byte more', () => {
    expect(MAX_CONNECT_REMAINING_LENGTH).toBe(2_326)
    expect(appConnect.length).toBeLessThan(MAX_CONNECT_REMAINING_LENGTH / 10)
    const largest = declaredHeader(0x10, MAX_CONNECT_REMAINING_LENGTH)
    expect(feed(new InboundGate(), [largest, Buffer.alloc(10)]).passedAfter.at(-1)!.length).toBe(largest.length + 10)
    const over = declaredHeader(0x10, MAX_CONNECT_REMAINING_LENGTH + 1)
    expect(feed(new InboundGate(), [over]).refused).toBe('connect-oversized')
  })

  it.each([
    ['a PUBLISH', publishPacket('streamdesk/local/s1', Buffer.from('{}'))],
    ['a PINGREQ', PINGREQ],
    ['a CONNECT with reserved flags set', Buffer.from([0x12, ...appConnect.subarray(1)])],
    ['random bytes', Buffer.from([0x00, 0x00, 0x00])],
  ])('refuses %s as the first packet', (_name, first) => {
    expect(feed(new InboundGate(), [first]).refused).toBe('not-connect')
  })

  it('refuses a remaining length of five bytes, before and after authentication', () => {
    const malformed = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x01])
    expect(feed(new InboundGate(), [Buffer.from([0x10]), malformed]).refused).toBe('malformed-header')
    expect(feed(authenticatedGate(), [Buffer.from([0x30]), malformed]).refused).toBe('malformed-header')
  })

  it('bounds everything declared before authentication to one largest CONNECT, then lifts that bound', () => {
    const pipelined = declaredHeader(0x82, MAX_UNAUTHENTICATED_BYTES - appConnect.length)
    expect(feed(new InboundGate(), [appConnect, pipelined]).refused).toBe('unauthenticated-excess')
    const fits = declaredHeader(0x82, MAX_UNAUTHENTICATED_BYTES - appConnect.length - 4)
    expect(feed(new InboundGate(), [appConnect, fits]).refused).toBeUndefined()
    expect(feed(authenticatedGate(), [pipelined]).refused).toBeUndefined()
  })

  it('refuses any packet over 128 KiB after authentication, at its header', () => {
    expect(MAX_PACKET_BYTES).toBe(128 * 1024)
    const largest = publishPacket('streamdesk/local/s1', Buffer.alloc(MAX_PACKET_BYTES - 4 - 2 - 19 - 2))
    expect(largest.length).toBe(MAX_PACKET_BYTES)
    expect(feed(authenticatedGate(), [largest]).passedAfter.at(-1)!.equals(largest)).toBe(true)
    const over = declaredHeader(0x32, MAX_PACKET_BYTES - 4 + 1) // one byte more, with the same 4-byte header
    expect(feed(authenticatedGate(), [over, Buffer.alloc(100)])).toEqual({
      passedAfter: [],
      refused: 'packet-oversized',
      refusedAt: 0,
    })
    expect(feed(authenticatedGate(), [declaredHeader(0x82, MAX_PACKET_BYTES)]).refused).toBe('packet-oversized')
  })

  it('passes the largest chunk the protocol can encode, in its PUBLISH, under the packet bound', () => {
    const escaped = (n: number) => '\u0001'.repeat(n) // 6 bytes each in JSON
    const id = 'i'.repeat(128)
    const chunk = {
      v: 2 as const,
      streamId: id,
      modelId: id,
      seq: MAX_SEQ,
      text: escaped(MAX_CHUNK_TEXT / 2),
      reasoning: escaped(MAX_CHUNK_TEXT / 2),
      final: {
        total: MAX_SEQ + 1,
        status: 'error' as const,
        sha256: 'a'.repeat(64),
        reasoningSha256: 'b'.repeat(64),
        error: { code: 'internal' as const, message: escaped(2000) },
        stopReason: 'other' as const,
        rawStopReason: escaped(MAX_RAW_STOP_REASON_CHARS),
        toolNames: Array.from({ length: MAX_TOOL_NAMES }, () => escaped(MAX_TOOL_NAME_CHARS)),
        redactedReasoning: MAX_SEQ,
        metrics: {
          inputTokens: MAX_TOKEN_COUNT,
          outputTokens: MAX_TOKEN_COUNT,
          reasoningTokens: MAX_TOKEN_COUNT,
          firstTokenMs: MAX_DURATION_MS,
          firstAnswerTokenMs: MAX_DURATION_MS,
          durationMs: MAX_DURATION_MS,
        },
      },
    }
    const encoded = Buffer.from(encodeChunk(chunk))
    expect(ChunkMessageV2Schema.safeParse(JSON.parse(encoded.toString())).error).toBeUndefined()
    // Receivers drop anything over MAX_PAYLOAD_BYTES; even this (which they would drop) fits in one packet.
    const topic = streamTopic('streamdesk', 'local', id)
    for (const payload of [encoded, Buffer.alloc(MAX_PAYLOAD_BYTES)]) {
      const publish = publishPacket(topic, payload)
      expect(publish.length).toBeLessThanOrEqual(MAX_PACKET_BYTES)
      expect(feed(authenticatedGate(), [publish]).passedAfter.at(-1)!.length).toBe(publish.length)
    }
    expect(encoded.length).toBeGreaterThan(MAX_PAYLOAD_BYTES) // the worst case really is beyond the payload limit
  })

  it('holds at most the bytes of an unfinished header between chunks', () => {
    const gate = authenticatedGate()
    const publish = packet(0x30, Buffer.alloc(16_384))
    expect(publish.subarray(0, 4)).toEqual(Buffer.from([0x30, 0x80, 0x80, 0x01]))
    const fed = feed(gate, [publish.subarray(0, 3), publish.subarray(3, 5), publish.subarray(5, 100)])
    expect(fed.passedAfter.map((bytes) => bytes.length)).toEqual([0, 5, 100])
  })
})
