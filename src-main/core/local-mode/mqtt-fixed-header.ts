/**
 * The fixed header every MQTT packet starts with (MQTT 3.1.1, section 2.2): one byte of packet type and flags, then
 * the "remaining length" (the size of the rest of the packet) in 1 to 4 bytes of 7 bits each, least significant
 * first, the high bit of each saying another one follows. Read one byte at a time, because TCP may split a header
 * anywhere, and nothing but the header's own state is kept.
 */

/** The largest remaining length four bytes can say (0xFF 0xFF 0xFF 0x7F): 256 MiB − 1. */
export const MAX_REMAINING_LENGTH = 268_435_455
const MAX_LENGTH_BYTES = 4

/** The CONNECT packet's type (section 2.2.1): what a client must send first. */
export const CONNECT = 1

export interface FixedHeader {
  /** The control packet type: 1 (CONNECT) to 14 (DISCONNECT). */
  type: number
  /** The low four bits of the first byte (for PUBLISH: DUP, QoS, RETAIN). */
  flags: number
  remainingLength: number
  /** The header's own size: 2 to 5 bytes. */
  headerLength: number
}

/** A complete header, 'more' while it needs another byte, or 'malformed' (a fifth length byte would follow). */
export type HeaderStep = FixedHeader | 'more' | 'malformed'

export class FixedHeaderReader {
  private first: number | undefined
  private length = 0
  private lengthBytes = 0

  /** Whether a header has begun and not yet ended. */
  get inProgress(): boolean {
    return this.first !== undefined
  }

  /** Takes the header's next byte. After a complete or malformed header it starts over with the next byte. */
  push(byte: number): HeaderStep {
    if (this.first === undefined) {
      this.first = byte
      return 'more'
    }
    this.length += (byte & 0x7f) * 128 ** this.lengthBytes
    this.lengthBytes += 1
    if (byte & 0x80) {
      if (this.lengthBytes < MAX_LENGTH_BYTES) return 'more'
      this.reset()
      return 'malformed'
    }
    const header = {
      type: this.first >> 4,
      flags: this.first & 0x0f,
      remainingLength: this.length,
      headerLength: 1 + this.lengthBytes,
    }
    this.reset()
    return header
  }

  private reset(): void {
    this.first = undefined
    this.length = 0
    this.lengthBytes = 0
  }
}
