/**
 * The streamed answers, outside React. `chat:updates` can arrive many times per frame; applying one only appends
 * text and marks its column dirty. At most once per frame the dirty columns get a new immutable snapshot and
 * their subscribers are told, so one column's text never re-renders another column or the conversation.
 */
import {
  isOpenStatus as isOpen,
  type AnswerEndDetails,
  type AnswerError,
  type AnswerStatus,
  type TokenUsage,
} from '../../../src-main/shared/answer'
import type { StreamUpdate } from '../../../src-main/shared/ipc-contract'
import { createListenerSet, type ListenerSet } from './listener-set'

/** Runs `flush` before the next paint (requestAnimationFrame in the app, by hand in tests). */
export type FrameScheduler = (flush: () => void) => void
/** Milliseconds from any fixed origin (performance.now in the app, by hand in tests). */
export type Clock = () => number

export interface ColumnSnapshot {
  readonly streamId: string
  readonly modelId: string
  /** The whole answer so far; only ever grows. */
  readonly text: string
  readonly status: AnswerStatus
  readonly error?: AnswerError
  readonly stalled: boolean
  readonly usage?: TokenUsage
  /** The model's thinking so far (its own channel, never part of `text`); only ever grows. */
  readonly reasoning: string
  /** How long it thought, as seen here: from its first reasoning to its first answer text (or the end). */
  readonly measuredThinkingMs?: number
  /** Why it stopped, its tools and metrics: set by the update that ends the answer. */
  readonly end?: AnswerEndDetails
}

interface Column {
  streamId: string
  modelId: string
  text: string
  status: AnswerStatus
  error?: AnswerError
  stalled: boolean
  usage?: TokenUsage
  reasoning: string
  reasoningStartedAt?: number
  measuredThinkingMs?: number
  end?: AnswerEndDetails
  snapshot: ColumnSnapshot | undefined
  readonly listeners: ListenerSet
}

export class StreamStore {
  private readonly columns = new Map<string, Column>()
  private readonly dirty = new Set<Column>()
  private readonly storeListeners = createListenerSet()
  /** Streams the user left behind with "New chat": their late updates are dropped. */
  private readonly forgotten = new Set<string>()
  /** Streams begun in this window (see `tracks`). */
  private readonly begun = new Set<string>()
  private flushScheduled = false

  constructor(
    private readonly scheduleFrame: FrameScheduler,
    private readonly now: Clock = () => performance.now(),
  ) {}

  /** Applies a `chat:updates` batch. Updates may name a stream before `chat:send` has returned its id. */
  apply(updates: readonly StreamUpdate[]): void {
    for (const update of updates) {
      if (this.forgotten.has(update.streamId)) continue
      // An answer asked on another device, from its first update: followed whole, as if begun here.
      if (update.begins) this.begun.add(update.streamId)
      const column = this.column(update.streamId, update.modelId)
      // Reasoning that starts with the first text took no time here (a continued answer brings the cut one's).
      let thinkingStarted = false
      if (update.appendReasoning) {
        column.reasoning += update.appendReasoning
        thinkingStarted = column.reasoningStartedAt === undefined
        column.reasoningStartedAt ??= this.now()
      }
      column.text += update.append
      column.status = update.status
      if (update.end) column.end = update.end
      // Thinking ends with the first answer text, or with the answer itself.
      if (
        column.reasoningStartedAt !== undefined &&
        column.measuredThinkingMs === undefined &&
        (column.text !== '' || !isOpen(update.status))
      ) {
        column.measuredThinkingMs = thinkingStarted ? 0 : this.now() - column.reasoningStartedAt
      }
      if (update.error) column.error = update.error
      column.stalled = update.stalled === true
      if (update.usage) column.usage = { ...column.usage, ...update.usage }
      this.markDirty(column)
    }
  }

  /** Shows the columns of a just-sent prompt as streaming before their first update arrives. */
  begin(streamId: string, modelIds: readonly string[]): void {
    if (this.forgotten.has(streamId)) return
    this.begun.add(streamId)
    for (const modelId of modelIds) {
      const column = this.column(streamId, modelId)
      if (!column.snapshot) this.markDirty(column)
    }
  }

  forget(streamId: string): void {
    this.forgotten.add(streamId)
    this.begun.delete(streamId)
    for (const [key, column] of this.columns) {
      if (column.streamId === streamId) {
        this.columns.delete(key)
        this.dirty.delete(column)
      }
    }
    this.storeListeners.notify()
  }

  getColumn(streamId: string, modelId: string): ColumnSnapshot | undefined {
    return this.columns.get(columnKey(streamId, modelId))?.snapshot
  }

  subscribeColumn(streamId: string, modelId: string, listener: () => void): () => void {
    return this.column(streamId, modelId).listeners.subscribe(listener)
  }

  /** Told once per flush, after the columns' own subscribers. Bound, to pass straight to useSyncExternalStore. */
  readonly subscribe = (listener: () => void): (() => void) => this.storeListeners.subscribe(listener)

  /** Whether any column is still open: streaming, or queued until the connection returns (both can be stopped). */
  readonly isAnyStreaming = (): boolean => {
    for (const column of this.columns.values()) if (column.snapshot && isOpen(column.snapshot.status)) return true
    return false
  }

  /** The same, among the given streams only (the ones the open conversation shows). */
  isAnyOpenIn(streamIds: ReadonlySet<string>): boolean {
    for (const column of this.columns.values()) {
      if (column.snapshot && isOpen(column.snapshot.status) && streamIds.has(column.streamId)) return true
    }
    return false
  }

  /** Streams with an open (streaming or queued) column. */
  streamingStreamIds(): string[] {
    const ids = new Set<string>()
    for (const column of this.columns.values())
      if (column.snapshot && isOpen(column.snapshot.status)) ids.add(column.streamId)
    return [...ids]
  }

  /**
   * True for a stream this window began (`begin`), or saw begin (an adopted stream's first update), and has not
   * forgotten: its columns hold the whole answer from
   * its first update. A stream only seen through updates (e.g. after a page reload) holds just what arrived since.
   */
  tracks(streamId: string): boolean {
    return this.begun.has(streamId)
  }

  private column(streamId: string, modelId: string): Column {
    const key = columnKey(streamId, modelId)
    let column = this.columns.get(key)
    if (!column) {
      const listeners = createListenerSet()
      column = {
        streamId,
        modelId,
        text: '',
        reasoning: '',
        status: 'streaming',
        stalled: false,
        snapshot: undefined,
        listeners,
      }
      this.columns.set(key, column)
    }
    return column
  }

  private markDirty(column: Column): void {
    this.dirty.add(column)
    if (this.flushScheduled) return
    this.flushScheduled = true
    this.scheduleFrame(() => this.flush())
  }

  private flush(): void {
    this.flushScheduled = false
    const changed = [...this.dirty]
    this.dirty.clear()
    for (const column of changed) {
      const { streamId, modelId, text, reasoning, status, error, stalled, usage, end, measuredThinkingMs } = column
      column.snapshot = {
        streamId,
        modelId,
        text,
        reasoning,
        status,
        stalled,
        ...(error && { error }),
        ...(usage && { usage }),
        ...(end && { end }),
        ...(measuredThinkingMs !== undefined && { measuredThinkingMs }),
      }
    }
    for (const column of changed) column.listeners.notify()
    if (changed.length > 0) this.storeListeners.notify()
  }
}

function columnKey(streamId: string, modelId: string): string {
  return `${streamId}\n${modelId}`
}
