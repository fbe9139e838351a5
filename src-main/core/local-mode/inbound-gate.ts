/**
 * What one client may send the embedded broker, checked on the raw bytes before aedes parses any of them. aedes
 * has no maximum packet size and parses before it authenticates: it buffers whatever length a header declares, so
 * one CONNECT announcing 256 MiB held that much memory. Here each packet is judged by its fixed header alone:
 *   - before the broker accepts the client's credentials: a CONNECT first, of at most MAX_CONNECT_REMAINING_LENGTH,
 *     and no more than one such CONNECT's worth of declared bytes in all;
 *   - after: no packet larger than MAX_PACKET_BYTES.
 * A packet's bytes go on to aedes only once its header is accepted, so a refused packet never reaches it; what the
 * gate holds is the few bytes of a header split across TCP chunks.
 */
import { CONNECT, FixedHeaderReader, type FixedHeader } from './mqtt-fixed-header'

/**
 * The largest CONNECT read (its remaining length). An MQTT 3.1.1 CONNECT is a 10-byte variable header (12 for
 * 3.1's "MQIsdp") and then client id, will topic, will message, user name and password, each after a 2-byte length.
 * The app's two clients send ids under 40 bytes, user names of at most 16, a 43-byte password and no will (about 100
 * bytes in all); the field limits below leave ample room above that: 2,326 bytes.
 */
const CONNECT_FIELD_LIMITS = { clientId: 256, willTopic: 512, willMessage: 1024, username: 256, password: 256 }
export const MAX_CONNECT_REMAINING_LENGTH =
  12 + Object.values(CONNECT_FIELD_LIMITS).reduce((sum, limit) => sum + 2 + limit, 0)
/** Everything a client may declare before it is authenticated: one largest CONNECT with a 5-byte header. */
export const MAX_UNAUTHENTICATED_BYTES = 5 + MAX_CONNECT_REMAINING_LENGTH

/**
 * The largest packet an authenticated client may send, header included. The largest the app sends is a chunk's
 * PUBLISH: at most MAX_PAYLOAD_BYTES (64 KiB, the protocol's own limit) plus a topic of a few hundred bytes; AWS
 * IoT Core, which cloud mode uses, has the same 128 KiB limit.
 */
export const MAX_PACKET_BYTES = 128 * 1024

/** Why the gate refused a client's input; the connection is then closed. */
export type GateRefusal =
  'not-connect' | 'connect-oversized' | 'malformed-header' | 'unauthenticated-excess' | 'packet-oversized'

/** The bytes to hand on (in order; possibly none yet), or why the connection must close. */
export type GateVerdict = { pass: Uint8Array[] } | { refused: GateRefusal }

export class InboundGate {
  private readonly header = new FixedHeaderReader()
  /** The start of a header that an earlier chunk ended in the middle of (at most 4 bytes). */
  private carried: Uint8Array | undefined
  /** Bytes of the current packet still to come after its header. */
  private bodyLeft = 0
  private packets = 0
  private declared = 0
  private authenticated = false

  /** The broker accepted the client's credentials: from now on only the packet size is limited. */
  authenticate(): void {
    this.authenticated = true
  }

  accept(chunk: Uint8Array): GateVerdict {
    const pass: Uint8Array[] = []
    /** Where the header being read began in this chunk: 0 when an earlier chunk began it, -1 when none is. */
    let headerStart = this.header.inProgress ? 0 : -1
    let at = 0
    while (at < chunk.length) {
      if (this.bodyLeft > 0) {
        const skipped = Math.min(this.bodyLeft, chunk.length - at)
        this.bodyLeft -= skipped
        at += skipped
        continue
      }
      if (headerStart < 0) headerStart = at
      const step = this.header.push(chunk[at]!)
      at += 1
      if (step === 'more') continue
      if (step === 'malformed') return { refused: 'malformed-header' }
      const refusal = this.judge(step)
      if (refusal) return { refused: refusal }
      this.packets += 1
      this.bodyLeft = step.remainingLength
      if (this.carried) pass.push(this.carried)
      this.carried = undefined
      headerStart = -1
    }
    const decidedEnd = headerStart < 0 ? chunk.length : headerStart
    if (decidedEnd > 0) pass.push(chunk.subarray(0, decidedEnd))
    if (headerStart >= 0) this.carried = concat(this.carried, chunk.subarray(headerStart))
    return { pass }
  }

  private judge(header: FixedHeader): GateRefusal | undefined {
    const size = header.headerLength + header.remainingLength
    if (this.packets === 0) {
      if (header.type !== CONNECT || header.flags !== 0) return 'not-connect'
      if (header.remainingLength > MAX_CONNECT_REMAINING_LENGTH) return 'connect-oversized'
    }
    if (this.authenticated) return size > MAX_PACKET_BYTES ? 'packet-oversized' : undefined
    this.declared += size
    return this.declared > MAX_UNAUTHENTICATED_BYTES ? 'unauthenticated-excess' : undefined
  }
}

function concat(head: Uint8Array | undefined, tail: Uint8Array): Uint8Array {
  if (!head) return Uint8Array.from(tail) // a copy: a view would keep the socket's whole chunk alive
  const joined = new Uint8Array(head.length + tail.length)
  joined.set(head)
  joined.set(tail, head.length)
  return joined
}
