import { describe, expect, it } from 'vitest'
import {
  FixedHeaderReader,
  MAX_REMAINING_LENGTH,
  type HeaderStep,
} from '../../../src-main/core/local-mode/mqtt-fixed-header'

/** Feeds bytes one at a time; returns every step. */
function read(reader: FixedHeaderReader, bytes: number[]): HeaderStep[] {
  return bytes.map((byte) => reader.push(byte))
}

// MQTT 3.1.1, section 2.2.3, table 2.4 "Size of Remaining Length field": the first and last value of each size.
const SPEC_TABLE: Array<[number, number[]]> = [
  [0, [0x00]],
  [127, [0x7f]],
  [128, [0x80, 0x01]],
  [16_383, [0xff, 0x7f]],
  [16_384, [0x80, 0x80, 0x01]],
  [2_097_151, [0xff, 0xff, 0x7f]],
  [2_097_152, [0x80, 0x80, 0x80, 0x01]],
  [268_435_455, [0xff, 0xff, 0xff, 0x7f]],
]

describe('the MQTT fixed header reader', () => {
  it.each(SPEC_TABLE)('reads remaining length %i from the specification table', (length, encoded) => {
    const steps = read(new FixedHeaderReader(), [0x30, ...encoded])
    expect(steps.slice(0, -1)).toEqual(Array(encoded.length).fill('more'))
    expect(steps.at(-1)).toEqual({ type: 3, flags: 0, remainingLength: length, headerLength: 1 + encoded.length })
  })

  it('says the largest length is the largest four bytes can hold', () => {
    expect(MAX_REMAINING_LENGTH).toBe(SPEC_TABLE.at(-1)![0])
  })

  it('splits the first byte into type and flags', () => {
    const reader = new FixedHeaderReader()
    expect(read(reader, [0x10, 0x00]).at(-1)).toMatchObject({ type: 1, flags: 0 }) // CONNECT
    expect(read(reader, [0x3b, 0x00]).at(-1)).toMatchObject({ type: 3, flags: 0b1011 }) // PUBLISH DUP QoS 1 RETAIN
    expect(read(reader, [0xc0, 0x00]).at(-1)).toMatchObject({ type: 12, flags: 0, headerLength: 2 }) // PINGREQ
  })

  it('refuses a remaining length that would need a fifth byte, at its fourth, and then starts over', () => {
    const reader = new FixedHeaderReader()
    expect(read(reader, [0x10, 0x80, 0x80, 0x80, 0x80])).toEqual(['more', 'more', 'more', 'more', 'malformed'])
    expect(reader.inProgress).toBe(false)
    expect(read(reader, [0x10, 0x05]).at(-1)).toMatchObject({ type: 1, remainingLength: 5 })
  })

  it('tells whether a header is half read', () => {
    const reader = new FixedHeaderReader()
    expect(reader.inProgress).toBe(false)
    reader.push(0x30)
    expect(reader.inProgress).toBe(true)
    reader.push(0x81)
    expect(reader.inProgress).toBe(true)
    expect(reader.push(0x01)).toMatchObject({ remainingLength: 129 })
    expect(reader.inProgress).toBe(false)
  })

  it('reads headers back to back', () => {
    const reader = new FixedHeaderReader()
    const steps = read(reader, [0x10, 0x0c, 0x82, 0x80, 0x01, 0xe0, 0x00])
    expect(steps.filter((step) => step !== 'more')).toEqual([
      { type: 1, flags: 0, remainingLength: 12, headerLength: 2 },
      { type: 8, flags: 2, remainingLength: 128, headerLength: 3 },
      { type: 14, flags: 0, remainingLength: 0, headerLength: 2 },
    ])
  })
})
