import { MAX_CHUNK_TEXT } from '../protocol/stream-protocol'
import { systemClock, type Clock, type TimerHandle } from '../lib/clock'

export interface DeltaCoalescerOptions {
  /** At most one chunk per window, so a model's token rate does not set the publish rate. */
  windowMs?: number
  /** A buffer this long goes out at once, without waiting for the window. */
  maxChars?: number
  clock?: Clock
}

/**
 * 60 ms: at most ~17 chunks/s per model, so four models stay near 67 publishes/s, well under IoT Core's 100/s
 * per connection, and a 200 tokens/s model sends 12 tokens per chunk (≥ 10× fewer messages than one per token).
 */
export const DEFAULT_COALESCE_WINDOW_MS = 60

/**
 * Joins a model's many small deltas into few chunks: the first delta leaves at once (time to first token is what
 * a user feels), after that at most one chunk per window, or sooner when the buffer reaches `maxChars`.
 */
export class DeltaCoalescer {
  private buffer = ''
  private lastFlushAt: number | undefined
  private timer: TimerHandle | undefined
  private readonly windowMs: number
  private readonly maxChars: number
  private readonly clock: Clock

  constructor(
    private readonly emit: (text: string) => void,
    options: DeltaCoalescerOptions = {},
  ) {
    this.windowMs = options.windowMs ?? DEFAULT_COALESCE_WINDOW_MS
    this.maxChars = options.maxChars ?? MAX_CHUNK_TEXT
    this.clock = options.clock ?? systemClock
    if (!(this.windowMs >= 0) || !(this.maxChars >= 2)) throw new RangeError('windowMs ≥ 0 and maxChars ≥ 2 required')
  }

  push(delta: string): void {
    if (delta.length === 0) return
    this.buffer += delta
    while (this.buffer.length >= this.maxChars) this.flush(this.takeSlice())
    if (this.buffer.length === 0 || this.timer !== undefined) return
    const now = this.clock.now()
    const dueAt = this.lastFlushAt === undefined ? now : this.lastFlushAt + this.windowMs
    if (dueAt <= now) {
      this.flush(this.takeAll())
    } else {
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined
        if (this.buffer.length > 0) this.flush(this.takeAll())
      }, dueAt - now)
    }
  }

  /** Cancels the pending flush and hands back what is still buffered, to ride on the stream's final chunk. */
  drain(): string {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    return this.takeAll()
  }

  private flush(text: string): void {
    this.lastFlushAt = this.clock.now()
    this.emit(text)
  }

  private takeAll(): string {
    const text = this.buffer
    this.buffer = ''
    return text
  }

  /** Takes `maxChars` characters, one fewer if that would split a surrogate pair. */
  private takeSlice(): string {
    let end = this.maxChars
    const code = this.buffer.charCodeAt(end - 1)
    if (code >= 0xd800 && code <= 0xdbff) end -= 1
    const text = this.buffer.slice(0, end)
    this.buffer = this.buffer.slice(end)
    return text
  }
}
