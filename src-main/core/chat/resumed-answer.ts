/**
 * Answers followed again after a restart (cloud mode). Their text so far comes from history; the broker's persistent
 * session delivers the chunks queued meanwhile, and the backend's stored copy completes what those do not.
 */
import type { FinalMarker } from '../../protocol/stream-protocol'
import type { DiagnosticsRecorder } from '../diagnostics'
import type { ConversationLog } from './conversation-log'
import type { SequencedChunk } from './reorder-buffer'
import type { ChunkPayload } from './chunk-payload'
import type { StreamRecovery } from './stream-recovery'

/** A resumed answer holds at most this much text while waiting for its final marker. */
const MAX_RESUMED_CHARS = 4_000_000
/** How many places a resumed answer's chunks may continue from are tried before fetching the stored copy. */
const MAX_TAIL_CANDIDATES = 32

export type ResumedOutcome =
  | { kind: 'duplicate' }
  | { kind: 'rejected'; reason: 'out-of-window' }
  /** Kept: the final marker, or the final's own chunk, is not in yet. */
  | { kind: 'held' }
  /** `rest` completes the text (its digest checked); it joins the last `chunks` chunks held. */
  | { kind: 'completed'; rest: string; chunks: number; final: FinalMarker }
  /** No run of the chunks held completes the text: some were lost with the last run. */
  | { kind: 'unmatched' }

/**
 * A resumed answer's chunks, kept by sequence number until the final marker is in. The text is then the stored
 * prefix plus a contiguous run of chunks ending at the final; which chunk the run starts at is found by the digest
 * (the broker redelivers what the previous run had not acknowledged, so it is almost always the first one held).
 */
export class ResumedAnswer {
  final: FinalMarker | undefined
  private readonly chunks = new Map<number, string>()
  private heldChars = 0

  /** `since`: when it was resumed. The queued chunks have the gap timeout from then before the copy is fetched. */
  constructor(readonly since: number) {}

  /** `completes(rest, final)`: whether the text so far, followed by `rest`, hashes to the final's digest. */
  accept(
    chunk: SequencedChunk<ChunkPayload>,
    completes: (rest: string, final: FinalMarker) => boolean,
  ): ResumedOutcome {
    if (this.chunks.has(chunk.seq)) return { kind: 'duplicate' }
    if ((this.final && chunk.seq >= this.final.total) || this.heldChars + chunk.text.length > MAX_RESUMED_CHARS) {
      return { kind: 'rejected', reason: 'out-of-window' }
    }
    this.chunks.set(chunk.seq, chunk.text)
    this.heldChars += chunk.text.length
    if (chunk.final) this.final = chunk.final
    const final = this.final
    if (!final) return { kind: 'held' }
    let first = final.total
    while (first > 0 && this.chunks.has(first - 1)) first -= 1
    if (first === final.total) return { kind: 'held' }
    for (let start = first; start < final.total && start < first + MAX_TAIL_CANDIDATES; start++) {
      const tail: string[] = []
      for (let seq = start; seq < final.total; seq++) tail.push(this.chunks.get(seq)!)
      const rest = tail.join('')
      if (completes(rest, final)) return { kind: 'completed', rest, chunks: final.total - start, final }
    }
    return { kind: 'unmatched' }
  }
}

export interface ReopenedStream {
  streamId: string
  /** Per model, the answer's text so far, from history. */
  textsSoFar: Map<string, string>
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
    diagnostics.error(`could not read the open cloud streams: ${(error as Error).message}`)
    return []
  }
  const reopened: ReopenedStream[] = []
  for (const { streamId, modelIds } of open) {
    if (isKnown(streamId)) continue
    const textsSoFar = new Map<string, string>()
    for (const modelId of modelIds) {
      const text = conversations.reopen(streamId, modelId)
      if (text === undefined) {
        recovery.closed(streamId, modelId) // ended, or gone from history
        continue
      }
      // The history writer starts from the stored text, so what follows is appended to it.
      if (text) conversations.progress(streamId, modelId, text)
      textsSoFar.set(modelId, text)
    }
    if (textsSoFar.size === 0) continue
    diagnostics.note(`resuming ${textsSoFar.size} answer(s) of stream ${streamId} after a restart`)
    reopened.push({ streamId, textsSoFar })
  }
  return reopened
}
