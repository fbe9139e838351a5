/**
 * What a chunk carries for the reader, and how consecutive chunks' payloads join. The reorder buffer and a resumed
 * answer's tail search go through this and never name a field: a channel is a field here and a line in `joinInto`.
 */
import type { ChunkMessage } from '../../protocol/stream-protocol'
import type { PayloadKind } from './reorder-buffer'

/** The answer text and (protocol v2) the reasoning; `reasoning` is absent when none of the joined chunks had any. */
export type ChunkPayload = Pick<ChunkMessage, 'text' | 'reasoning'>

const join = (parts: readonly ChunkPayload[], channel: keyof ChunkPayload): string =>
  parts.length === 1 ? (parts[0]![channel] ?? '') : parts.map((part) => part[channel] ?? '').join('')

export const chunkPayload: PayloadKind<ChunkPayload> = {
  joinInto: (target, parts) => {
    const joined = target as typeof target & ChunkPayload
    joined.text = join(parts, 'text')
    const reasoning = join(parts, 'reasoning')
    if (reasoning) joined.reasoning = reasoning
    return joined
  },
  // Both channels count against what a stream may hold back, so megabytes of reasoning are bounded like text.
  size: (payload) => payload.text.length + (payload.reasoning?.length ?? 0),
}
