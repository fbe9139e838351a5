import { MAX_CHUNK_TEXT } from '../protocol/stream-protocol'
import { systemClock, type Clock, type TimerHandle } from '../lib/clock'
import type { ChunkContent } from './chunk-sequencer'

export interface DeltaCoalescerOptions {
  /** At most one chunk per window, so a model's token rate does not set the publish rate. */
  windowMs?: number
  /** A buffer this long (answer text and reasoning together) goes out at once, without waiting for the window. */
  maxChars?: number
  clock?: Clock
  /**
   * Asked before each chunk is taken: the user connection's publish budget (`PublishPacer`). Without one a chunk is
   * taken as soon as the window allows (the behaviour before the budget, kept as the benchmark's baseline).
   */
  gate?: FlushGate
}

/** Grants the coalescer its next chunk: `onSlot` is called (maybe at once) when it may take one; cancellable. */
export interface FlushGate {
  /** `owner` names the asker, so a gate can share its slots fairly between askers. */
  requestSlot(onSlot: () => void, owner?: object): () => void
}

/** No budget: every chunk may be taken at once. */
const OPEN_GATE: FlushGate = {
  requestSlot(onSlot) {
    onSlot()
    return () => {}
  },
}

/** The two channels a model streams: the answer text, and its reasoning (never part of the answer). */
export type DeltaChannel = 'text' | 'reasoning'

/**
 * 60 ms: at most ~17 chunks/s per model, so four models stay near 67 publishes/s, well under IoT Core's 100/s
 * per connection, and a 200 tokens/s model sends 12 tokens per chunk (≥ 10× fewer messages than one per token).
 */
export const DEFAULT_COALESCE_WINDOW_MS = 60

/**
 * Joins a model's many small deltas into few chunks: the first delta leaves at once (time to first token is what
 * a user feels), after that at most one chunk per window, or sooner when the buffer reaches `maxChars`. With a
 * gate (the connection's publish budget), each chunk is taken when the gate grants it: a model that waits for the
 * budget keeps joining deltas, and a very large delta leaves as `maxChars` slices, one per grant (paced).
 * Both channels share ONE budget: a chunk carries whatever of each arrived in its window, so a reasoning model
 * sends no more messages than one that only answers, and `maxChars` bounds the two together (the wire's rule).
 */
export class DeltaCoalescer {
  private text = ''
  private reasoning = ''
  private lastFlushAt: number | undefined
  private timer: TimerHandle | undefined
  /** The slot asked of the gate and not granted yet, with how to cancel it. */
  private waiting: { cancel?: () => void } | undefined
  private readonly windowMs: number
  private readonly maxChars: number
  private readonly clock: Clock
  private readonly gate: FlushGate

  constructor(
    private readonly emit: (content: ChunkContent) => void,
    options: DeltaCoalescerOptions = {},
  ) {
    this.windowMs = options.windowMs ?? DEFAULT_COALESCE_WINDOW_MS
    this.maxChars = options.maxChars ?? MAX_CHUNK_TEXT
    this.clock = options.clock ?? systemClock
    this.gate = options.gate ?? OPEN_GATE
    if (!(this.windowMs >= 0) || !(this.maxChars >= 2)) throw new RangeError('windowMs ≥ 0 and maxChars ≥ 2 required')
  }

  push(delta: string, channel: DeltaChannel = 'text'): void {
    if (delta.length === 0) return
    if (channel === 'reasoning') this.reasoning += delta
    else this.text += delta
    this.schedule()
  }

  /**
   * Cancels the pending flush and hands back what is still buffered, to ride on the stream's final chunk. A buffer
   * of `maxChars` or more (one that was waiting for the gate) first goes out as slices, without asking the gate:
   * the stream is over, and the publish budget paces them behind its other publishes anyway.
   */
  drain(): ChunkContent {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.waiting?.cancel?.()
    this.waiting = undefined
    while (this.buffered >= this.maxChars) this.flush(this.takeSlice())
    return this.takeAll()
  }

  /**
   * Asks for the next chunk when it is due: at once for the first one and for a full buffer (a slice), else one
   * window after the last chunk. A slot already asked for takes whatever has arrived by the time it is granted.
   */
  private schedule(): void {
    if (this.buffered === 0 || this.waiting) return
    if (this.buffered >= this.maxChars) return this.askGate()
    if (this.timer !== undefined) return
    const now = this.clock.now()
    const dueAt = this.lastFlushAt === undefined ? now : this.lastFlushAt + this.windowMs
    if (dueAt <= now) return this.askGate()
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      if (!this.waiting && this.buffered > 0) this.askGate()
    }, dueAt - now)
  }

  private askGate(): void {
    const request: { cancel?: () => void } = {}
    this.waiting = request
    const cancel = this.gate.requestSlot(() => {
      if (this.waiting !== request) return
      this.waiting = undefined
      if (this.buffered === 0) return
      this.flush(this.buffered >= this.maxChars ? this.takeSlice() : this.takeAll())
      this.schedule()
    }, this)
    // A gate may grant at once (inside requestSlot): then there is nothing left to cancel.
    if (this.waiting === request) request.cancel = cancel
  }

  private get buffered(): number {
    return this.text.length + this.reasoning.length
  }

  private flush(content: ChunkContent): void {
    this.lastFlushAt = this.clock.now()
    this.emit(content)
  }

  private takeAll(): ChunkContent {
    const content = withReasoning(this.text, this.reasoning)
    this.text = ''
    this.reasoning = ''
    return content
  }

  /**
   * Takes `maxChars` characters, reasoning first (a model thinks before it answers), then answer text in the room
   * left; neither channel's cut splits a surrogate pair. Always takes something, since `maxChars` ≥ 2.
   */
  private takeSlice(): ChunkContent {
    const reasoningEnd = safeCut(this.reasoning, this.maxChars)
    const textEnd = safeCut(this.text, this.maxChars - reasoningEnd)
    const content = withReasoning(this.text.slice(0, textEnd), this.reasoning.slice(0, reasoningEnd))
    this.text = this.text.slice(textEnd)
    this.reasoning = this.reasoning.slice(reasoningEnd)
    return content
  }
}

/** Where to cut `text` to take at most `room` code units without splitting a surrogate pair. */
function safeCut(text: string, room: number): number {
  if (text.length <= room) return text.length
  const code = text.charCodeAt(room - 1)
  return code >= 0xd800 && code <= 0xdbff ? room - 1 : room
}

function withReasoning(text: string, reasoning: string): ChunkContent {
  return reasoning ? { text, reasoning } : { text }
}
