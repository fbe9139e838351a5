/**
 * Chunks of streams this device does not follow (yet). A prompt asked on another device of the user is announced
 * on a topic of its own, and MQTT orders nothing across topics: its first chunks may arrive before its announcement.
 * They wait here, bounded in streams, in chunks and in time; what goes beyond is dropped and counted by the caller.
 */
import type { ChunkMessage } from '../../protocol/stream-protocol'

export interface HeldChunkLimits {
  /** Unknown streams held at once; a new one beyond drops the oldest's chunks. */
  streams: number
  /** Chunks held in all (a chunk is at most 64 KB). */
  chunks: number
  /** How long a stream's chunks wait for its announcement. */
  holdMs: number
}

export const HELD_CHUNK_LIMITS: HeldChunkLimits = { streams: 8, chunks: 512, holdMs: 10_000 }

interface HeldStream {
  since: number
  chunks: ChunkMessage[]
}

export class HeldChunks {
  private readonly streams = new Map<string, HeldStream>()
  private count = 0

  constructor(
    /** Told how many chunks were dropped (beyond a bound, or waited too long). */
    private readonly dropped: (count: number) => void,
    private readonly limits: HeldChunkLimits = HELD_CHUNK_LIMITS,
  ) {}

  get size(): number {
    return this.count
  }

  hold(chunk: ChunkMessage, now: number): void {
    this.expire(now)
    let stream = this.streams.get(chunk.streamId)
    if (!stream) {
      if (this.streams.size >= this.limits.streams) this.dropStream(this.streams.keys().next().value as string)
      stream = { since: now, chunks: [] }
      this.streams.set(chunk.streamId, stream)
    }
    if (this.count >= this.limits.chunks) return this.dropped(1)
    stream.chunks.push(chunk)
    this.count += 1
  }

  /** The stream's held chunks, in arrival order, given up by this store. */
  take(streamId: string): ChunkMessage[] {
    const stream = this.streams.get(streamId)
    if (!stream) return []
    this.streams.delete(streamId)
    this.count -= stream.chunks.length
    return stream.chunks
  }

  /** Drops the streams that waited longer than `holdMs`. */
  expire(now: number): void {
    for (const [streamId, stream] of this.streams) {
      if (now - stream.since >= this.limits.holdMs) this.dropStream(streamId)
    }
  }

  private dropStream(streamId: string): void {
    const chunks = this.take(streamId)
    if (chunks.length > 0) this.dropped(chunks.length)
  }
}
