/**
 * Batches one answer's text deltas inside the worker before they cross to the main thread: the first delta goes
 * at once (time to first token is untouched), later ones are joined and sent at most every `windowMs`, and
 * whatever is held is sent before any other event (`end`, `error`), so order is kept. A small model on a fast
 * CPU makes well over 1,000 tokens a second; one message per token would cost the main thread more than the
 * whole rest of the pipeline, which then coalesces into 60 ms chunks anyway (`delta-coalescer.ts`).
 */
import type { RequestEvent } from './worker-protocol'

export const WORKER_BATCH_MS = 10

export class DeltaBatcher {
  private held = ''
  private timer?: ReturnType<typeof setTimeout>
  private lastSentAt = -Infinity

  constructor(
    private readonly post: (event: RequestEvent) => void,
    private readonly windowMs = WORKER_BATCH_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes the engine's events for one request, in order. */
  readonly emit = (event: RequestEvent): void => {
    if (event.type !== 'delta') {
      this.flush(event.requestId)
      this.post(event)
      return
    }
    this.held += event.text
    if (this.timer) return
    const wait = this.lastSentAt + this.windowMs - this.now()
    if (wait <= 0) this.flush(event.requestId)
    else this.timer = setTimeout(() => this.flush(event.requestId), wait)
  }

  private flush(requestId: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.held.length === 0) return
    const text = this.held
    this.held = ''
    this.lastSentAt = this.now()
    this.post({ type: 'delta', requestId, text })
  }
}
