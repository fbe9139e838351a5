/**
 * MQTT 3.1.1 packets written byte by byte (sections 2.2 and 3), and a raw TCP client that sends them: what a
 * hostile local program can put on the embedded broker's socket, which no well-behaved MQTT client library sends.
 */
import { connect, type Socket } from 'node:net'

/** The variable-length "remaining length" encoding (section 2.2.3). */
export function remainingLength(length: number): number[] {
  const bytes: number[] = []
  do {
    let byte = length % 128
    length = Math.floor(length / 128)
    if (length > 0) byte |= 0x80
    bytes.push(byte)
  } while (length > 0)
  return bytes
}

export function packet(firstByte: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([firstByte, ...remainingLength(body.length)]), body])
}

const utf8Field = (text: string | Uint8Array) => {
  const bytes = typeof text === 'string' ? Buffer.from(text) : Buffer.from(text)
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes])
}

export interface ConnectFields {
  clientId: string
  username?: string
  password?: string
  keepAliveSec?: number
}

export function connectPacket({ clientId, username, password, keepAliveSec = 30 }: ConnectFields): Buffer {
  const flags = (username !== undefined ? 0x80 : 0) | (password !== undefined ? 0x40 : 0) | 0x02 // clean session
  const variableHeader = Buffer.concat([utf8Field('MQTT'), Buffer.from([4, flags, keepAliveSec >> 8, keepAliveSec])])
  const fields = [clientId, username, password].filter((field) => field !== undefined).map(utf8Field)
  return packet(0x10, Buffer.concat([variableHeader, ...fields]))
}

/** A QoS 1 PUBLISH (the broker answers PUBACK when it accepts it). */
export function publishPacket(topic: string, payload: Uint8Array, packetId = 1): Buffer {
  return packet(0x32, Buffer.concat([utf8Field(topic), Buffer.from([packetId >> 8, packetId & 0xff]), payload]))
}

/** A fixed header alone, declaring whatever length it is told to (the body never has to follow). */
export function declaredHeader(firstByte: number, declaredLength: number): Buffer {
  return Buffer.from([firstByte, ...remainingLength(declaredLength)])
}

export const PINGREQ = Buffer.from([0xc0, 0x00])
export const PINGRESP = Buffer.from([0xd0, 0x00])
export const CONNACK_ACCEPTED = Buffer.from([0x20, 0x02, 0x00, 0x00])

/** A TCP client that records what comes back and when the broker closes the connection. */
export interface RawClient {
  socket: Socket
  received(): Buffer
  /** Resolves when the connection has closed, from either side. */
  closed: Promise<void>
  isClosed(): boolean
  /** Writes, resolving once the bytes are handed to the kernel (or at once if the socket is gone). */
  write(bytes: Uint8Array): Promise<void>
}

export async function rawClient(port: number, host = '127.0.0.1'): Promise<RawClient> {
  const socket = connect({ host, port })
  const chunks: Buffer[] = []
  let closedFlag = false
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.on('error', () => {}) // a reset from the broker is an expected way to be closed
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closedFlag = true
      resolve()
    }),
  )
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return {
    socket,
    received: () => Buffer.concat(chunks),
    closed,
    isClosed: () => closedFlag,
    write: (bytes) =>
      new Promise((resolve) => {
        if (socket.destroyed || !socket.writable) return resolve()
        socket.write(bytes, () => resolve())
      }),
  }
}
