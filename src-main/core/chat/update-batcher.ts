import type { StreamUpdate } from '../../shared/ipc-contract'
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock'

/** One frame at 60 Hz: a renderer cannot show updates faster than it paints. */
export const DEFAULT_UPDATE_INTERVAL_MS = 16

/** What changes in one column besides its appended text and reasoning; the status is always said. */
export type ColumnChange = Partial<
  Omit<StreamUpdate, 'streamId' | 'modelId' | 'append' | 'appendReasoning' | 'status'>
> &
  Pick<StreamUpdate, 'status'>

/**
 * Collects per-column changes and emits them as one batch per interval, so the renderer receives at most one IPC
 * message per frame however many chunks arrive, with each column's appended text and reasoning merged in order.
 */
export class UpdateBatcher {
  private readonly pending = new Map<string, StreamUpdate>()
  private timer: TimerHandle | undefined

  constructor(
    private readonly emit: (updates: StreamUpdate[]) => void,
    private readonly intervalMs = DEFAULT_UPDATE_INTERVAL_MS,
    private readonly clock: Clock = systemClock,
  ) {}

  /** `appendReasoning`: reasoning to append ('' for none; the update then carries no reasoning field). */
  add(streamId: string, modelId: string, append: string, change: ColumnChange, appendReasoning = ''): void {
    const key = `${streamId}\u0000${modelId}`
    const update = this.pending.get(key)
    if (update) {
      update.append += append
      if (appendReasoning) update.appendReasoning = (update.appendReasoning ?? '') + appendReasoning
      Object.assign(update, change)
    } else {
      this.pending.set(key, { streamId, modelId, append, ...(appendReasoning ? { appendReasoning } : {}), ...change })
    }
    this.timer ??= this.clock.setTimeout(() => this.flush(), this.intervalMs)
  }

  flush(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    if (this.pending.size === 0) return
    const updates = [...this.pending.values()]
    this.pending.clear()
    this.emit(updates)
  }
}
