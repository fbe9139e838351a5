/**
 * What a chunk carries for the reader, and how consecutive chunks' payloads join. The reorder buffer and a resumed
 * answer's tail search go through this and never name a field: a new channel (reasoning) is a field here and a line
 * in `joinInto`.
 */
import type { ChunkMessage } from '../../protocol/stream-protocol'
import type { PayloadKind } from './reorder-buffer'

export type ChunkPayload = Pick<ChunkMessage, 'text'>

export const chunkPayload: PayloadKind<ChunkPayload> = {
  joinInto: (target, parts) => {
    const joined = target as typeof target & ChunkPayload
    joined.text = parts.length === 1 ? parts[0]!.text : parts.map((part) => part.text).join('')
    return joined
  },
  size: (payload) => payload.text.length,
}
