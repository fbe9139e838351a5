/**
 * The embedded broker's door: every TCP connection passes through it before aedes sees a byte. It lets at most
 * MAX_UNAUTHENTICATED clients wait for authentication at once (the excess are closed at once), gives each
 * CONNECT_DEADLINE_MS from its TCP connection to accepted credentials, and runs each connection's bytes through an
 * InboundGate. A refused connection is closed without a reply and counted by reason; nothing a client sends throws.
 */
import type { Socket } from 'node:net'
import { Duplex } from 'node:stream'
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock'
import { InboundGate, type GateRefusal } from './inbound-gate'

export type BrokerRefusal = GateRefusal | 'connect-deadline' | 'too-many-unauthenticated'

/** From TCP connection to accepted credentials; the app's own clients take milliseconds. */
export const CONNECT_DEADLINE_MS = 5_000
/** The app itself has two clients (its session and the in-process backend), which may reconnect together. */
export const MAX_UNAUTHENTICATED = 8

export interface BrokerGuardOptions {
  clock?: Clock
  onRefusal?: (reason: BrokerRefusal) => void
}

export class BrokerGuard {
  private readonly unauthenticated = new Map<GuardedConnection, TimerHandle>()
  private readonly counts: Partial<Record<BrokerRefusal, number>> = {}
  private readonly clock: Clock

  constructor(private readonly options: BrokerGuardOptions = {}) {
    this.clock = options.clock ?? systemClock
  }

  /** The stream to hand aedes for this socket, or undefined when the socket was refused (and closed). */
  admit(socket: Socket): Duplex | undefined {
    if (this.unauthenticated.size >= MAX_UNAUTHENTICATED) {
      socket.destroy()
      this.count('too-many-unauthenticated')
      return undefined
    }
    const connection: GuardedConnection = new GuardedConnection(socket, (reason) => this.refuse(connection, reason))
    const deadline = this.clock.setTimeout(() => this.refuse(connection, 'connect-deadline'), CONNECT_DEADLINE_MS)
    this.unauthenticated.set(connection, deadline)
    connection.once('close', () => this.settle(connection))
    return connection
  }

  /** The broker accepted the credentials of the client on this connection (aedes' `client.conn`). */
  authenticated(connection: unknown): void {
    if (!(connection instanceof GuardedConnection)) return
    this.settle(connection)
    connection.gate.authenticate()
  }

  /** Connections refused so far, by reason. */
  refusals(): Partial<Record<BrokerRefusal, number>> {
    return { ...this.counts }
  }

  private refuse(connection: GuardedConnection, reason: BrokerRefusal): void {
    if (connection.destroyed) return
    connection.destroy()
    this.count(reason)
  }

  private count(reason: BrokerRefusal): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1
    this.options.onRefusal?.(reason)
  }

  private settle(connection: GuardedConnection): void {
    const deadline = this.unauthenticated.get(connection)
    if (deadline === undefined) return
    this.clock.clearTimeout(deadline)
    this.unauthenticated.delete(connection)
  }
}

/**
 * A socket as aedes reads and writes it, with the gate between the socket's bytes and aedes' parser. Reading
 * follows aedes' pace (the socket pauses while aedes has not read what it was given); writes go straight through.
 */
class GuardedConnection extends Duplex {
  readonly gate = new InboundGate()

  constructor(
    private readonly socket: Socket,
    refuse: (reason: GateRefusal) => void,
  ) {
    super()
    socket.on('data', (chunk: Buffer) => {
      if (this.destroyed) return
      const verdict = this.gate.accept(chunk)
      if ('refused' in verdict) return refuse(verdict.refused)
      for (const piece of verdict.pass) if (!this.push(piece)) socket.pause()
    })
    socket.on('end', () => this.push(null))
    socket.on('error', (error) => this.destroy(error))
    socket.on('close', () => this.destroy())
  }

  override _read(): void {
    this.socket.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send(chunk, callback)
  }

  /** aedes writes a packet in pieces under cork(): they leave as one socket write. */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.send(Buffer.concat(chunks.map(({ chunk }) => chunk)), callback)
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end()
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy()
    callback(error)
  }

  private send(data: Buffer, callback: (error?: Error | null) => void): void {
    if (this.socket.write(data)) callback()
    else this.socket.once('drain', () => callback())
  }
}
