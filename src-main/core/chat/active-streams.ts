/**
 * The streams the chat service follows, and those that ended recently: a late redelivery of one of those is a
 * duplicate, not an unknown stream, and a restart does not resume it.
 */
import type { ChatRequest } from '../../backend/chat-handler'
import type { ModelAnswer } from './model-answer'
import type { GivenChars } from './stream-recovery'

export interface ActiveStream {
  readonly answers: ReadonlyMap<string, ModelAnswer>
  /** The backend request, kept while the stream waits for the connection. */
  queued?: ChatRequest | undefined
  /** A continued answer's stream: what the app gave it itself (see OpenStream). */
  given?: GivenChars | undefined
}

/** How many ended streams are remembered. */
const RECENTLY_FINISHED_LIMIT = 1_000

export class ActiveStreams {
  private readonly live = new Map<string, ActiveStream>()
  private readonly recentlyFinished = new Set<string>()
  private readonly retiring = new Map<string, Array<() => void>>()

  get size(): number {
    return this.live.size
  }

  add(streamId: string, answers: ModelAnswer[], queued?: ChatRequest, given?: GivenChars): void {
    this.live.set(streamId, { answers: new Map(answers.map((a) => [a.modelId, a])), queued, given })
  }

  get(streamId: string): ActiveStream | undefined {
    return this.live.get(streamId)
  }

  endedRecently(streamId: string): boolean {
    return this.recentlyFinished.has(streamId)
  }

  /** Followed now, or ended recently. */
  knows(streamId: string): boolean {
    return this.live.has(streamId) || this.recentlyFinished.has(streamId)
  }

  /** The streams, in the order they were sent. */
  entries(): IterableIterator<[string, ActiveStream]> {
    return this.live.entries()
  }

  /** One stream's answers; every stream's without an id. */
  answers(streamId?: string): ModelAnswer[] {
    const streams = streamId === undefined ? [...this.live.values()] : [this.live.get(streamId)]
    return streams.flatMap((stream) => [...(stream?.answers.values() ?? [])])
  }

  /** Resolves once the stream is not followed any more (at once when it is not followed now). */
  whenRetired(streamId: string): Promise<void> {
    if (!this.live.has(streamId)) return Promise.resolve()
    return new Promise((resolve) => this.retiring.set(streamId, [...(this.retiring.get(streamId) ?? []), resolve]))
  }

  /** After one of its answers ended: the stream is retired once none is open. */
  retireIfDone(streamId: string): void {
    if (this.answers(streamId).some((answer) => answer.isOpen)) return
    this.live.delete(streamId)
    for (const resolve of this.retiring.get(streamId) ?? []) resolve()
    this.retiring.delete(streamId)
    this.recentlyFinished.add(streamId)
    if (this.recentlyFinished.size > RECENTLY_FINISHED_LIMIT) {
      this.recentlyFinished.delete(this.recentlyFinished.values().next().value as string)
    }
  }
}
