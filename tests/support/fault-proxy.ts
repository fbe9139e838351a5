/**
 * A fault-injecting TCP proxy on loopback, for putting between the app's MQTT client and a real broker. Every
 * accepted connection gets its own upstream connection to the target; bytes are forwarded both ways, and the test
 * can at any moment:
 *
 * - add latency and jitter per direction (byte order within a connection is kept: a chunk never overtakes an
 *   earlier one, jitter only stretches the gaps),
 * - stall: stop forwarding in both directions for N ms (nothing is lost; what arrived meanwhile goes out after),
 * - make the open connections half-open: from then on they forward nothing, silently, and are not closed (a FIN or
 *   RST from either end is swallowed too), as when a NAT or Wi-Fi path dies. Only an MQTT keep-alive can find this
 *   out. New connections are forwarded normally,
 * - reset: destroy both sockets of every open connection with a TCP RST (`socket.resetAndDestroy()`),
 *
 * and read counters (connections accepted, open, reset, bytes forwarded and dropped). Nothing here is random
 * unless jitter is set, and the jitter comes from a seeded PRNG so a failing run can be replayed.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { mulberry32 } from './chaos-publisher'

/** `up`: client → target (the app's CONNECT, SUBSCRIBE, PUBACKs, pings); `down`: target → client (the chunks). */
export type Direction = 'up' | 'down'

export interface LatencySpec {
  /** Added to every chunk of bytes in this direction. */
  ms: number
  /** Plus a uniformly random 0..jitterMs. */
  jitterMs?: number
}

export interface FaultProxyOptions {
  target: { host: string; port: number }
  /** Seed for the jitter. */
  seed?: number
}

export interface FaultProxyCounters {
  accepted: number
  open: number
  reset: number
  halfOpened: number
  bytesUp: number
  bytesDown: number
  /** Bytes swallowed by half-open connections. */
  bytesDropped: number
}

/** Above this many queued bytes in one direction of one connection the source is paused (back-pressure). */
const HIGH_WATER = 1 << 20

class Pipe {
  private readonly queue: Array<{ data: Buffer; due: number }> = []
  private queuedBytes = 0
  private lastDue = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private ended = false
  private paused = false

  constructor(
    private readonly link: Link,
    private readonly from: Socket,
    private readonly to: Socket,
    readonly direction: Direction,
  ) {}

  push(data: Buffer): void {
    const { proxy } = this.link
    if (this.link.halfOpen || this.link.closed) {
      proxy.stats.bytesDropped += data.length
      return
    }
    const now = performance.now()
    const due = Math.max(this.lastDue, now + proxy.delayFor(this.direction))
    this.lastDue = due
    this.queue.push({ data, due })
    this.queuedBytes += data.length
    if (this.queuedBytes > HIGH_WATER && !this.paused) {
      this.paused = true
      this.from.pause()
    }
    this.pump()
  }

  /** The source sent FIN: pass it on once everything before it is out. */
  end(): void {
    this.ended = true
    this.pump()
  }

  /** Writes what is due, unless stalled; schedules itself for the next due chunk or the stall's end. */
  pump(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (this.link.halfOpen || this.link.closed) return
    const { proxy } = this.link
    const now = performance.now()
    if (now < proxy.stalledUntil) {
      this.schedule(proxy.stalledUntil - now)
      return
    }
    while (this.queue.length > 0 && this.queue[0]!.due <= now) {
      const { data } = this.queue.shift()!
      this.queuedBytes -= data.length
      if (this.direction === 'up') proxy.stats.bytesUp += data.length
      else proxy.stats.bytesDown += data.length
      this.to.write(data)
    }
    if (this.paused && this.queuedBytes < HIGH_WATER / 2) {
      this.paused = false
      this.from.resume()
    }
    if (this.queue.length > 0) this.schedule(this.queue[0]!.due - now)
    else if (this.ended) this.to.end()
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.queue.length = 0
    this.queuedBytes = 0
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.pump(), Math.max(0, Math.ceil(ms)))
  }
}

class Link {
  halfOpen = false
  closed = false
  readonly up: Pipe
  readonly down: Pipe

  constructor(
    readonly proxy: FaultProxy,
    readonly client: Socket,
    readonly upstream: Socket,
  ) {
    this.up = new Pipe(this, client, upstream, 'up')
    this.down = new Pipe(this, upstream, client, 'down')
    client.on('data', (data: Buffer) => this.up.push(data))
    upstream.on('data', (data: Buffer) => this.down.push(data))
    // A FIN is passed on after the bytes before it; on a half-open link it is swallowed (only the socket of the
    // side that sent it is closed, the other side hears nothing).
    client.on('end', () => (this.halfOpen ? client.destroy() : this.up.end()))
    upstream.on('end', () => (this.halfOpen ? upstream.destroy() : this.down.end()))
    // An error (e.g. ECONNRESET) on one side resets the other, as the RST would pass a router. Not when half-open.
    client.on('error', () => (this.halfOpen ? client.destroy() : this.abort()))
    upstream.on('error', () => (this.halfOpen ? upstream.destroy() : this.abort()))
    client.on('close', () => this.sideClosed())
    upstream.on('close', () => this.sideClosed())
  }

  /** RST on both sockets. */
  abort(): void {
    this.up.clear()
    this.down.clear()
    for (const socket of [this.client, this.upstream]) if (!socket.destroyed) socket.resetAndDestroy()
  }

  makeHalfOpen(): void {
    this.halfOpen = true
    this.up.clear()
    this.down.clear()
  }

  destroy(): void {
    this.up.clear()
    this.down.clear()
    this.client.destroy()
    this.upstream.destroy()
  }

  private sideClosed(): void {
    if (this.client.destroyed && this.upstream.destroyed) {
      this.closed = true
      this.proxy.forget(this)
    } else if (!this.halfOpen) {
      // One side is gone and its FIN was passed on; the other should close by itself, but is not kept for ever.
      const other = this.client.destroyed ? this.upstream : this.client
      setTimeout(() => other.destroy(), 2_000).unref()
    }
  }
}

export class FaultProxy {
  readonly host = '127.0.0.1'
  /** Live counts; `open` is filled in by the `counters` getter. */
  readonly stats: Omit<FaultProxyCounters, 'open'> = {
    accepted: 0,
    reset: 0,
    halfOpened: 0,
    bytesUp: 0,
    bytesDown: 0,
    bytesDropped: 0,
  }
  /** performance.now() until which nothing is forwarded. */
  stalledUntil = 0
  private readonly links = new Set<Link>()
  private readonly latency: Record<Direction, LatencySpec> = { up: { ms: 0 }, down: { ms: 0 } }
  private readonly random: () => number
  private readonly acceptWaiters = new Set<() => void>()

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
    seed: number,
  ) {
    this.random = mulberry32(seed)
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('fault proxy: no port')
    const proxy = new FaultProxy(server, address.port, options.target, options.seed ?? 1)
    server.on('connection', (client) => proxy.accept(client))
    return proxy
  }

  /** A snapshot; `open` counts connections that still forward (not half-open, not closed). */
  get counters(): FaultProxyCounters {
    const open = [...this.links].filter((link) => !link.halfOpen && !link.closed).length
    return { ...this.stats, open }
  }

  /** Sets the added latency of one direction, or both. */
  setLatency(direction: Direction | 'both', spec: LatencySpec): void {
    for (const d of direction === 'both' ? (['up', 'down'] as const) : [direction]) this.latency[d] = { ...spec }
  }

  delayFor(direction: Direction): number {
    const { ms, jitterMs = 0 } = this.latency[direction]
    return ms + (jitterMs > 0 ? this.random() * jitterMs : 0)
  }

  /** Forwards nothing, either way, for `ms`; what arrives meanwhile is held and sent after, in order. */
  stall(ms: number): void {
    this.stalledUntil = Math.max(this.stalledUntil, performance.now() + ms)
    for (const link of this.links) {
      link.up.pump()
      link.down.pump()
    }
  }

  /** Every open connection silently stops forwarding, for good, without being closed. Returns how many. */
  halfOpen(): number {
    let count = 0
    for (const link of this.links) {
      if (link.halfOpen) continue
      link.makeHalfOpen()
      count += 1
    }
    this.stats.halfOpened += count
    return count
  }

  /** Resets (TCP RST) both sockets of every open connection. Returns how many. */
  reset(): number {
    let count = 0
    for (const link of [...this.links]) {
      if (link.halfOpen) continue
      link.abort()
      count += 1
    }
    this.stats.reset += count
    return count
  }

  /** Resolves once `count` connections have been accepted in all (not only open now). */
  async waitForAccepted(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.stats.accepted >= count) return
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.stats.accepted < count) return
        this.acceptWaiters.delete(check)
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        this.acceptWaiters.delete(check)
        reject(new Error(`fault proxy: ${this.stats.accepted} of ${count} connections accepted after ${timeoutMs} ms`))
      }, timeoutMs)
      this.acceptWaiters.add(check)
    })
  }

  async close(): Promise<void> {
    for (const link of [...this.links]) link.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  forget(link: Link): void {
    this.links.delete(link)
  }

  private accept(client: Socket): void {
    this.stats.accepted += 1
    client.setNoDelay(true)
    const upstream = connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true })
    upstream.setNoDelay(true)
    this.links.add(new Link(this, client, upstream))
    client.resume()
    for (const wake of [...this.acceptWaiters]) wake()
  }
}
