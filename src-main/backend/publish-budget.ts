/**
 * The publish budget of one user connection. IoT Core delivers at most 100 publishes/s and 512 KB/s to one
 * connection, and every chunk of every model of every prompt of a user lands on that user's connection(s), so what
 * bounds the rate is the user, not the model: this keeps one user's publishes at or below 80 per second and
 * 400 KB per second in ANY one-second window (a sliding log, not fixed buckets), whatever the number of models and
 * prompts. It also paces: no 125 ms span carries more than an eighth of the second's budget, so a very large delta
 * goes out spread over the second instead of as one burst.
 *
 * `PublishPacer` applies the budget: it is the Publisher that every stream of the user publishes through (sent in
 * order, each when it fits), and the gate each stream's coalescer asks before it takes its next chunk, so a stream
 * that has to wait keeps coalescing (its chunks grow) instead of queueing up messages. Slots go round-robin (first
 * asked, first served), so eight models share the budget evenly.
 *
 * Local mode shares one pacer between every stream of the app. The chat Lambda runs one invocation per prompt, so
 * each invocation gets a share of the budget, kept up to date with the user's other live prompts when the spend
 * guard's lease table is there (`PublishShare` in publish-share.ts), fixed at the start otherwise
 * (`invocationShare`); see the README's "publish budget".
 */
import { systemClock, type Clock, type TimerHandle } from '../lib/clock'
import type { Publisher } from './publisher'
import type { FlushGate } from './delta-coalescer'

export interface PublishLimits {
  publishesPerSecond: number
  bytesPerSecond: number
}

/** IoT Core's per-connection limits (100 publishes/s, 512 KB/s) with a fifth kept as headroom. */
export const CONNECTION_PUBLISH_LIMITS: PublishLimits = { publishesPerSecond: 80, bytesPerSecond: 400_000 }

const WINDOW_MS = 1000
/** The pacing span: at most an eighth of the second's budget in any 125 ms (8 first deltas still go at once). */
const PACING_SPAN_MS = 125

/**
 * The budget is split evenly over at least this many models (the most one prompt may stream): a model never gets
 * more than an eighth of it, so any mix of prompts and devices with at most 8 models streaming at once stays within
 * the budget without knowing about the others.
 */
export const BUDGET_MODEL_SHARES = 8
/** A larger announcement than this is taken as this (it could only slow the caller's own streams). */
export const MAX_ANNOUNCED_MODELS = 32

/**
 * The fraction of the connection's budget one chat invocation may use: its own models' shares of the larger of 8
 * and the number of models the app says this user streams at once (this request's included). The announcement is
 * the client's, so it is clamped: below the request's own model count or 8 it is raised (it can never buy more than
 * an eighth per model), above 32 it is lowered; anything that is not a number counts as no announcement.
 */
export function invocationShare(ownModels: number, announcedModels: unknown): number {
  const announced =
    typeof announcedModels === 'number' && Number.isFinite(announcedModels) ? Math.ceil(announcedModels) : 0
  const models = Math.max(1, Math.floor(ownModels))
  return models / Math.min(MAX_ANNOUNCED_MODELS, Math.max(models, BUDGET_MODEL_SHARES, announced))
}

export function scaledLimits(limits: PublishLimits, share: number): PublishLimits {
  const fraction = Math.min(1, Math.max(0, share))
  return {
    publishesPerSecond: Math.max(1, limits.publishesPerSecond * fraction),
    bytesPerSecond: Math.max(1, limits.bytesPerSecond * fraction),
  }
}

interface Span {
  ms: number
  publishes: number
  bytes: number
}

/**
 * The accounting: a log of the publishes of the last second and, for a publish of `bytes`, how long until it fits
 * every span. A publish larger than a span's byte limit fits once that span holds nothing else: it then goes alone
 * and the span stays closed until it has passed, so the average still holds (the coalescer keeps chunks small
 * enough that this is the exception: `maxChunkChars`).
 */
export class PublishBudget {
  private readonly log: Array<{ at: number; bytes: number }> = []
  private spans: Span[] = []
  private current: PublishLimits

  constructor(
    limits: PublishLimits,
    private readonly clock: Clock = systemClock,
  ) {
    this.current = limits
    this.setLimits(limits)
  }

  get limits(): PublishLimits {
    return this.current
  }

  /**
   * New limits from now on, checked against the log of the last second as it is: lowering them holds every later
   * publish until the window fits the new limits, so the publishes of any window never pass the highest limit in
   * force during it (the shared share in the chat Lambda lowers at once and raises only late, for that reason).
   */
  setLimits(limits: PublishLimits): void {
    if (!(limits.publishesPerSecond >= 1) || !(limits.bytesPerSecond >= 1))
      throw new RangeError('a publish budget needs at least 1 publish and 1 byte per second')
    const paced = PACING_SPAN_MS / WINDOW_MS
    this.current = limits
    this.spans = [
      { ms: WINDOW_MS, publishes: Math.floor(limits.publishesPerSecond), bytes: limits.bytesPerSecond },
      {
        ms: PACING_SPAN_MS,
        publishes: Math.max(1, Math.ceil(limits.publishesPerSecond * paced)),
        bytes: limits.bytesPerSecond * paced,
      },
    ]
  }

  /** The longest chunk text that fits a second's byte budget even at 6 bytes per code unit (JSON `\u00XX`). */
  get maxChunkChars(): number {
    return Math.max(64, Math.floor(this.limits.bytesPerSecond / 6))
  }

  /**
   * Milliseconds until a publish of `bytes` fits every span; 0 when it fits now. `paced: false` checks the
   * one-second window only (a stream's first chunk: the first token is not held back for smoothness).
   */
  delayFor(bytes: number, paced = true): number {
    const now = this.clock.now()
    this.forget(now)
    let delay = 0
    for (const span of paced ? this.spans : this.spans.slice(0, 1))
      delay = Math.max(delay, this.delayInSpan(span, bytes, now))
    return delay
  }

  record(bytes: number): void {
    const now = this.clock.now()
    this.forget(now)
    this.log.push({ at: now, bytes })
  }

  /** A span's window at time t is (t − ms, t]; entries only leave it as time passes, so the first fit is the answer. */
  private delayInSpan(span: Span, bytes: number, now: number): number {
    let first = this.log.findIndex((entry) => entry.at > now - span.ms)
    if (first < 0) return 0
    let count = this.log.length - first
    let total = 0
    for (let i = first; i < this.log.length; i++) total += this.log[i]!.bytes
    const fits = () => count === 0 || (count + 1 <= span.publishes && total + bytes <= span.bytes)
    if (fits()) return 0
    for (; first < this.log.length; first++) {
      const leaving = this.log[first]!
      count -= 1
      total -= leaving.bytes
      if (fits()) return leaving.at + span.ms - now
    }
    return 0 // unreachable: an empty span always fits
  }

  private forget(now: number): void {
    let stale = 0
    while (stale < this.log.length && this.log[stale]!.at <= now - WINDOW_MS) stale++
    if (stale > 0) this.log.splice(0, stale)
  }
}

interface QueuedPublish {
  topic: string
  payload: string
  bytes: number
  /** False for a stream's first chunk: checked against the one-second window only. */
  paced: boolean
  resolve: () => void
  reject: (error: unknown) => void
}

const utf8 = new TextEncoder()

/** The publisher and flush gate of one user connection: see the file's header. */
export class PublishPacer implements Publisher, FlushGate {
  readonly budget: PublishBudget
  private readonly publishes: QueuedPublish[] = []
  private readonly slots: Array<{ onSlot: () => void; owner: object }> = []
  /** Each asker's last grant and when it was last seen (asking or granted), for the fair spacing of slots. */
  private readonly owners = new Map<object, { grantedAt?: number; seenAt: number }>()
  private timer: { handle: TimerHandle; at: number } | undefined
  private pumping = false
  /** While a stream's first slot is being used: its chunk skips the pacing span (never the one-second window). */
  private grantingFirst = false
  private readonly clock: Clock
  /** While paused nothing is sent and no slot is granted (a share with no room yet: see publish-share.ts). */
  private paused = false
  private readonly chunkBudget: PublishBudget | undefined

  /**
   * `chunkLimits`: the lowest limits this pacer may be set to later (`setLimits`), which size the chunks the
   * coalescers take at the start, so that a chunk always fits a second's bytes even after the limits have dropped.
   */
  constructor(
    private readonly publisher: Publisher,
    limits: PublishLimits = CONNECTION_PUBLISH_LIMITS,
    clock: Clock = systemClock,
    chunkLimits?: PublishLimits,
  ) {
    this.clock = clock
    this.budget = new PublishBudget(limits, clock)
    this.chunkBudget = chunkLimits ? new PublishBudget(chunkLimits, clock) : undefined
  }

  get maxChunkChars(): number {
    return Math.min(this.budget.maxChunkChars, this.chunkBudget?.maxChunkChars ?? Infinity)
  }

  /** New limits (raised or lowered) from now on; `undefined` pauses until limits are set again. */
  setLimits(limits: PublishLimits | undefined): void {
    this.paused = limits === undefined
    if (limits) this.budget.setLimits(limits)
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer.handle)
      this.timer = undefined
    }
    this.pump()
  }

  publish(topic: string, payload: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const bytes = utf8.encode(payload).byteLength
      const queued = { topic, payload, bytes, paced: !this.grantingFirst, resolve, reject }
      // A stream's first chunk goes ahead of the queue (it is that stream's first publish: no order to keep).
      if (this.grantingFirst) this.publishes.unshift(queued)
      else this.publishes.push(queued)
      this.pump()
    })
  }

  requestSlot(onSlot: () => void, owner?: object): () => void {
    const request = { onSlot, owner: owner ?? {} }
    this.slots.push(request)
    this.pump()
    return () => {
      const index = this.slots.indexOf(request)
      if (index >= 0) this.slots.splice(index, 1)
    }
  }

  /**
   * Sends what fits. A stream's first chunk goes before anything queued (the time to first token is what a user
   * feels; it is checked against the one-second window only). Then queued publishes in order (a granted slot's
   * chunk, a final, a retry), then the other slots, each granted only when a publish would fit now, so the chunk is
   * taken as late as possible (and grows meanwhile). Those slots are spaced per asker: with n askers active in the
   * last second, one asker gets at most one slot per n/80 s, so eight models get 10 chunks/s each rather than
   * whoever asks first in the same millisecond taking more.
   */
  private pump(): void {
    if (this.pumping || this.paused) return
    this.pumping = true
    try {
      for (;;) {
        this.noteAskers()
        const firstSlot = this.slots.findIndex(({ owner }) => this.owners.get(owner)?.grantedAt === undefined)
        if (firstSlot >= 0 && this.budget.delayFor(0, false) === 0) {
          this.grant(firstSlot, true)
          continue
        }
        const next = this.publishes[0]
        if (next) {
          const delay = this.budget.delayFor(next.bytes, next.paced)
          if (delay > 0) return this.wake(delay)
          this.publishes.shift()
          this.budget.record(next.bytes)
          this.send(next)
          continue
        }
        if (firstSlot >= 0) return this.wake(this.budget.delayFor(0, false))
        if (this.slots.length === 0) return
        const { index, waitMs } = this.nextSpacedSlot()
        if (index < 0) return this.wake(waitMs)
        const delay = this.budget.delayFor(0)
        if (delay > 0) return this.wake(delay)
        this.grant(index, false)
      }
    } finally {
      this.pumping = false
    }
  }

  /** A publisher that throws instead of rejecting fails that publish only, never the pump. */
  private send(next: QueuedPublish): void {
    try {
      this.publisher.publish(next.topic, next.payload).then(next.resolve, next.reject)
    } catch (error) {
      next.reject(error)
    }
  }

  private grant(index: number, first: boolean): void {
    const [slot] = this.slots.splice(index, 1)
    const now = this.clock.now()
    this.owners.set(slot!.owner, { grantedAt: now, seenAt: now })
    this.grantingFirst = first
    try {
      slot!.onSlot()
    } finally {
      this.grantingFirst = false
    }
  }

  /** Marks the waiting askers as active and forgets the askers idle for a second. */
  private noteAskers(): void {
    const now = this.clock.now()
    for (const { owner } of this.slots) {
      const known = this.owners.get(owner)
      if (known) known.seenAt = now
      else this.owners.set(owner, { seenAt: now })
    }
    for (const [owner, { seenAt }] of this.owners) if (seenAt <= now - WINDOW_MS) this.owners.delete(owner)
  }

  /** The first waiting slot whose asker's spacing has passed, or how long until one has. */
  private nextSpacedSlot(): { index: number; waitMs: number } {
    const now = this.clock.now()
    const spacingMs = (WINDOW_MS * this.owners.size) / this.budget.limits.publishesPerSecond
    let waitMs = Infinity
    for (const [index, { owner }] of this.slots.entries()) {
      const eligibleAt = this.owners.get(owner)!.grantedAt! + spacingMs
      if (eligibleAt <= now) return { index, waitMs: 0 }
      waitMs = Math.min(waitMs, eligibleAt - now)
    }
    return { index: -1, waitMs }
  }

  private wake(delayMs: number): void {
    const at = this.clock.now() + delayMs
    if (this.timer !== undefined) {
      if (this.timer.at <= at) return
      this.clock.clearTimeout(this.timer.handle)
    }
    const handle = this.clock.setTimeout(() => {
      this.timer = undefined
      this.pump()
    }, delayMs)
    this.timer = { handle, at }
  }
}
