/**
 * Answers followed again after a restart (cloud mode). Their text and reasoning so far come from history; the broker's persistent
 * session delivers the chunks queued meanwhile, and the backend's stored copy completes what those do not.
 */
import type { FinalMarker } from '../../protocol/stream-protocol'
import type { DiagnosticsRecorder } from '../diagnostics'
import type { ConversationLog, StoredChannels } from './conversation-log'
import type { SequencedChunk } from './reorder-buffer'
import { chunkPayload, type ChunkPayload } from './chunk-payload'
import type { Released } from './model-answer'
import type { GivenChars, StreamRecovery } from './stream-recovery'
import { errorMessage } from '../../lib/error-message'

/** A resumed answer holds at most this much (text and reasoning together) while waiting for its final marker. */
const MAX_RESUMED_CHARS = 4_000_000
/** How many places a resumed answer's chunks may continue from are tried before fetching the stored copy. */
const MAX_TAIL_CANDIDATES = 32

export type ResumedOutcome =
  | { kind: 'duplicate' }
  | { kind: 'rejected'; reason: 'out-of-window' }
  /** Kept: the final marker, or the final's own chunk, is not in yet. */
  | { kind: 'held' }
  /** `rest` completes both channels (their digests checked); it joins the last `chunks` chunks held. */
  | { kind: 'completed'; rest: Released; chunks: number; final: FinalMarker }
  /** No run of the chunks held completes the text: some were lost with the last run. */
  | { kind: 'unmatched' }

/**
 * A resumed answer's chunks, kept by sequence number until the final marker is in. The text is then the stored
 * prefix plus a contiguous run of chunks ending at the final; which chunk the run starts at is found by the digest
 * (the broker redelivers what the previous run had not acknowledged, so it is almost always the first one held).
 */
export class ResumedAnswer {
  final: FinalMarker | undefined
  private readonly chunks = new Map<number, ChunkPayload>()
  private heldChars = 0

  /** `since`: when it was resumed. The queued chunks have the gap timeout from then before the copy is fetched. */
  constructor(readonly since: number) {}

  /** `completes(rest, final)`: whether both channels so far, each followed by its `rest`, hash to the final's digests. */
  accept(
    chunk: SequencedChunk<ChunkPayload>,
    completes: (rest: Released, final: FinalMarker) => boolean,
  ): ResumedOutcome {
    if (this.chunks.has(chunk.seq)) return { kind: 'duplicate' }
    const size = chunkPayload.size(chunk)
    if ((this.final && chunk.seq >= this.final.total) || this.heldChars + size > MAX_RESUMED_CHARS) {
      return { kind: 'rejected', reason: 'out-of-window' }
    }
    this.chunks.set(chunk.seq, chunk)
    this.heldChars += size
    if (chunk.final) this.final = chunk.final
    const final = this.final
    if (!final) return { kind: 'held' }
    let first = final.total
    while (first > 0 && this.chunks.has(first - 1)) first -= 1
    if (first === final.total) return { kind: 'held' }
    for (let start = first; start < final.total && start < first + MAX_TAIL_CANDIDATES; start++) {
      const tail: ChunkPayload[] = []
      for (let seq = start; seq < final.total; seq++) tail.push(this.chunks.get(seq)!)
      const rest: Released = chunkPayload.joinInto({}, tail)
      if (completes(rest, final)) return { kind: 'completed', rest, chunks: final.total - start, final }
    }
    return { kind: 'unmatched' }
  }
}

export interface ReopenedStream {
  streamId: string
  /** Per model, the answer's text and reasoning so far that came with its stream, from history. */
  soFar: Map<string, Released>
}

/** What of `stored` came with the stream: a continued answer's history starts with the part the app gave it. */
function streamedPart(stored: StoredChannels, given: GivenChars | undefined): Released {
  if (!given || stored.text.length < given.text || stored.reasoning.length < given.reasoning) return stored
  return { text: stored.text.slice(given.text), reasoning: stored.reasoning.slice(given.reasoning) }
}

/**
 * The answers that were still streaming when the app last stopped, reopened in history. Streams the caller already knows are left alone; answers that ended meanwhile, or are gone from
 * history, are struck from the journal.
 */
export async function reopenStreams(
  recovery: StreamRecovery,
  conversations: ConversationLog,
  diagnostics: DiagnosticsRecorder,
  isKnown: (streamId: string) => boolean,
): Promise<ReopenedStream[]> {
  if (!conversations.reopen) return []
  let open: Awaited<ReturnType<StreamRecovery['openStreams']>>
  try {
    open = await recovery.openStreams()
  } catch (error) {
    diagnostics.error(`could not read the open cloud streams: ${errorMessage(error)}`)
    return []
  }
  const reopened: ReopenedStream[] = []
  for (const { streamId, modelIds, given } of open) {
    if (isKnown(streamId)) continue
    const soFar = new Map<string, Released>()
    for (const modelId of modelIds) {
      const stored = conversations.reopen(streamId, modelId)
      if (stored === undefined) {
        recovery.closed(streamId, modelId) // ended, or gone from history
        continue
      }
      soFar.set(modelId, streamedPart(stored, given))
    }
    if (soFar.size === 0) continue
    diagnostics.note(`resuming ${soFar.size} answer(s) of stream ${streamId} after a restart`)
    reopened.push({ streamId, soFar })
  }
  return reopened
}
