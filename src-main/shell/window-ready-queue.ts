/**
 * Holds the events main sends to a window until that window's page says it is ready, then delivers them in order,
 * as electron/fiddle's IpcMainManager does. Without it an event sent to a window that was just created (quick
 * ask's "Open in StreamDesk" opening the main window) or that is reloading reaches a page that has not subscribed
 * its listeners yet, and is lost.
 *
 * No `electron` here: a target is anything that can take one event and tell whether it is gone (Electron's
 * WebContents as it is, or the browser harness's socket behind a small adapter), so Node tests drive it.
 */
import type { EventContract } from '../shared/ipc-contract'

export interface MessageTarget {
  send(channel: string, payload: unknown): void
  isDestroyed(): boolean
}

export interface WindowReadyQueueOptions<Target> {
  /** Events held for one window at most; beyond it the oldest goes (a page that never becomes ready must not grow memory). */
  limit?: number
  /** Called once each time a window's held events start overflowing (until it becomes ready again). */
  onOverflow?: (target: Target) => void
}

interface WindowState {
  ready: boolean
  held: Array<{ channel: string; payload: unknown }>
  overflowed: boolean
}

export const DEFAULT_HELD_LIMIT = 1000

export class WindowReadyQueue<
  Events extends { [K in keyof Events]: unknown } = EventContract,
  Target extends MessageTarget = MessageTarget,
> {
  private readonly windows = new Map<Target, WindowState>()
  private readonly limit: number

  constructor(private readonly options: WindowReadyQueueOptions<Target> = {}) {
    this.limit = options.limit ?? DEFAULT_HELD_LIMIT
    if (!Number.isInteger(this.limit) || this.limit < 1) throw new RangeError(`limit must be a positive integer`)
  }

  /** Starts counting a window among the broadcast's targets; not ready until its page says so. */
  track(target: Target): void {
    this.stateOf(target)
  }

  /** Delivers now to a ready page, or holds until the page is ready. A destroyed window is forgotten. */
  send<E extends keyof Events & string>(target: Target, channel: E, payload: Events[E]): void {
    if (target.isDestroyed()) return this.forget(target)
    const state = this.stateOf(target)
    if (state.ready) return target.send(channel, payload)
    state.held.push({ channel, payload })
    if (state.held.length <= this.limit) return
    state.held.shift()
    if (!state.overflowed) this.options.onOverflow?.(target)
    state.overflowed = true
  }

  /** Sends to every tracked window, each by the rule of `send`. */
  broadcast<E extends keyof Events & string>(channel: E, payload: Events[E]): void {
    for (const target of [...this.windows.keys()]) this.send(target, channel, payload)
  }

  /** The page has subscribed its listeners: deliver what was held, in order, then send live. */
  markReady(target: Target): void {
    if (target.isDestroyed()) return this.forget(target)
    const state = this.stateOf(target)
    state.ready = true
    state.overflowed = false
    const held = state.held.splice(0)
    for (const { channel, payload } of held) {
      if (target.isDestroyed()) return this.forget(target)
      target.send(channel, payload)
    }
  }

  /**
   * The window loaded a new page (a reload or a navigation): the new page's listeners are not subscribed yet. Events
   * already held stay held: they were meant for the window, whichever page shows them.
   */
  markNotReady(target: Target): void {
    if (target.isDestroyed()) return this.forget(target)
    this.stateOf(target).ready = false
  }

  /** The window is destroyed: what it held is dropped. */
  forget(target: Target): void {
    this.windows.delete(target)
  }

  /** How many events wait for this window's page (0 for a window not tracked). */
  heldCount(target: Target): number {
    return this.windows.get(target)?.held.length ?? 0
  }

  isTracked(target: Target): boolean {
    return this.windows.has(target)
  }

  private stateOf(target: Target): WindowState {
    let state = this.windows.get(target)
    if (!state) this.windows.set(target, (state = { ready: false, held: [], overflowed: false }))
    return state
  }
}
