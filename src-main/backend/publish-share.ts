/**
 * One chat invocation's share of the user connection's publish budget, kept up to date with the user's other
 * prompts (issue 17, item 5: "whatever the number of models and overlapping prompts"). The chat Lambda runs one
 * invocation per prompt, possibly on instances that share no memory; what they share is the spend guard's lease
 * item, where each streaming prompt holds a lease that says how many models it streams, and a prompt that ended
 * leaves its count for one more second (its last publishes are still in the window). Every invocation reads that
 * item (strongly consistent) every `refreshMs` and sets its pacer's limits from it:
 *
 * - its share is m / max(8, n): m its own models, n the models of every live lease and tail (its own included);
 * - **lower at once, raise late**: the limit is the lowest share of the views read in the last `holdMs`, so a
 *   share grows only once a smaller n has been seen for that long (a prompt that ended has no publish left in any
 *   window by then);
 * - **a new prompt starts in the room left**: for its first `holdMs` it uses at most what the user's other live
 *   prompts cannot be using, each of them at most its ceiling min(1, m/8) (its share alone), so prompts with up
 *   to 8 models in all start at once as before, and beyond that a new prompt waits until the older ones have seen
 *   it (within `staleMs`) and their publishes at the old share have left the window (1 s);
 * - **a stale view assumes the worst**: when no read has succeeded for `staleMs`, the share is m / mostModels (every
 *   slot streaming 8 models, and as many tails), so a prompt that cannot read never crowds a newer one.
 *
 * Hence, for any one-second window, every invocation publishing in it had, by the time the newest of them could
 * grow into its share, already lowered its own limit to a share that counts the newest; the sum of the shares is
 * at most the budget. Cost: one strongly consistent GetItem (1 read unit) per invocation per `refreshMs`; the
 * counts ride on the lease writes the spend guard makes anyway.
 */
import { systemClock, type Clock, type TimerHandle } from '../lib/clock'
import { BUDGET_MODEL_SHARES, PublishPacer, scaledLimits, type PublishLimits } from './publish-budget'
import type { Publisher } from './publisher'
import type { LiveStream } from './spend-guard'

/** How often an invocation re-reads the user's live streams. */
export const SHARE_REFRESH_MS = 250
/** A view older than this is stale; the shares of the others react to a new prompt within this long. */
export const SHARE_STALE_MS = 600
/** How long a lower count must be seen before a share grows, and how long a new prompt keeps to the room left. */
export const SHARE_HOLD_MS = 1000 + SHARE_STALE_MS

export interface PublishShareOptions {
  /** The pacer whose limits this sets (`undefined` pauses it: no room yet). */
  target: { setLimits(limits: PublishLimits | undefined): void }
  /** The user connection's whole budget. */
  limits: PublishLimits
  /** This prompt's lease and models, and the user's live streams when it was taken (its own included). */
  lease: { id: string; models: number; streams: LiveStream[] }
  /** Reads the user's live streams now; a rejection leaves the view to go stale. */
  read: () => Promise<LiveStream[]>
  /** The most models the user can have counted at once: the share assumed when no view is fresh. */
  mostModels: number
  clock?: Clock
  refreshMs?: number
  staleMs?: number
  holdMs?: number
}

/** The fraction of the budget a prompt of `models` models may use alone (an eighth per model). */
export function shareCeiling(models: number): number {
  return Math.min(1, models / BUDGET_MODEL_SHARES)
}

export class PublishShare {
  private readonly clock: Clock
  private readonly startedAt: number
  /**
   * What each read said, as of when it was sent: the fraction it allows this prompt, and the fraction the others it
   * lists may be using at most (each at its ceiling). A prompt it does not list has ended over a second before.
   */
  private readonly views: View[] = []
  private timer: TimerHandle | undefined
  private reading = false
  private closed = false
  private applied: number | undefined = NaN

  constructor(private readonly options: PublishShareOptions) {
    this.clock = options.clock ?? systemClock
    this.startedAt = this.clock.now()
    this.views.push(this.viewOf(options.lease.streams, this.startedAt))
    this.apply()
    this.schedule()
  }

  /** The fraction of the budget in force now; undefined while there is no room for this prompt yet. */
  get current(): number | undefined {
    return this.applied
  }

  /** Stops reading (the prompt has streamed: its publishes are done). */
  close(): void {
    this.closed = true
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
  }

  private get refreshMs(): number {
    return this.options.refreshMs ?? SHARE_REFRESH_MS
  }

  private viewOf(streams: LiveStream[], at: number): View {
    const own = this.options.lease.models
    const others = streams.filter((stream) => stream.lease !== this.options.lease.id)
    const models = others.reduce((sum, stream) => sum + stream.models, own)
    return {
      at,
      share: own / Math.max(BUDGET_MODEL_SHARES, models),
      others: others.reduce((sum, stream) => sum + shareCeiling(stream.models), 0),
    }
  }

  private schedule(): void {
    if (this.closed) return
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      this.tick()
    }, this.refreshMs)
  }

  private tick(): void {
    this.apply()
    if (!this.reading) {
      this.reading = true
      const sentAt = this.clock.now()
      this.options.read().then(
        (streams) => {
          this.reading = false
          if (this.closed) return
          this.views.push(this.viewOf(streams, sentAt))
          this.apply()
        },
        () => {
          this.reading = false // a failed read adds no view: the share goes stale and falls to the floor
        },
      )
    }
    this.schedule()
  }

  /** The fraction allowed now, from the views (see the file's header). */
  private allowed(): number | undefined {
    const now = this.clock.now()
    const staleMs = this.options.staleMs ?? SHARE_STALE_MS
    const holdMs = this.options.holdMs ?? SHARE_HOLD_MS
    while (this.views.length > 1 && this.views[1]!.at <= now - holdMs) this.views.shift()
    const newest = this.views.at(-1)!
    const floor = this.options.lease.models / Math.max(BUDGET_MODEL_SHARES, this.options.mostModels)
    let share = newest.at < now - staleMs ? floor : Infinity
    for (const view of this.views) share = Math.min(share, view.share)
    if (now < this.startedAt + holdMs) share = Math.min(share, 1 - newest.others)
    return share > 1e-9 ? share : undefined
  }

  private apply(): void {
    if (this.closed) return
    const share = this.allowed()
    if (share === this.applied) return
    this.applied = share
    this.options.target.setLimits(share === undefined ? undefined : scaledLimits(this.options.limits, share))
  }
}

interface View {
  at: number
  share: number
  others: number
}

/** What an admitted prompt knows of the user's leases (a `SpendPass`). */
export interface HeldLease {
  readonly lease: { id: string; models: number; streams: LiveStream[] }
  liveStreams(): Promise<LiveStream[]>
  readonly mostLiveModels: number
}

/**
 * The pacer of one admitted prompt, its limits kept by a `PublishShare` (close it once the prompt has streamed).
 * Its chunks are sized for the lowest share it may fall to, so a chunk always fits a second's bytes.
 */
export function sharedPacer(
  publisher: Publisher,
  connection: PublishLimits,
  held: HeldLease,
  clock: Clock = systemClock,
): { pacer: PublishPacer; share: PublishShare } {
  const { lease, mostLiveModels } = held
  const floor = scaledLimits(connection, lease.models / Math.max(BUDGET_MODEL_SHARES, mostLiveModels))
  const pacer = new PublishPacer(publisher, floor, clock, floor)
  const share = new PublishShare({
    target: pacer,
    limits: connection,
    lease,
    read: () => held.liveStreams(),
    mostModels: mostLiveModels,
    clock,
  })
  return { pacer, share }
}
