/**
 * How the chat service completes an answer whose chunks did not all arrive: from a copy the backend kept. Cloud
 * mode implements it with the answer store's fetch-stream Lambda (src-main/core/cloud/lambda-stream-recovery.ts);
 * local mode has none (an answer cut off there is marked interrupted and can be continued instead).
 *
 * The service also keeps a journal through it of the streams it is waiting on, so that after a restart it knows
 * which interrupted answers in history belong to this account's cloud streams and can resume them.
 */
import type { ArchivedAnswer, RecentStream } from '../../protocol/answer-archive'

export interface OpenStream {
  streamId: string
  modelIds: string[]
  /**
   * A continued answer's stream (one model): how much of its text and reasoning (UTF-16 code units) the app gave it
   * itself, the cut answer it goes on from. Its chunks and digests cover only what follows, so a resumed answer
   * leaves this much of what history holds out of them.
   */
  given?: GivenChars
}

export interface GivenChars {
  text: number
  reasoning: number
}

export interface StreamRecovery {
  /**
   * The backend's stored answers of one of this user's streams: empty when nothing is stored (yet: the model may
   * still be streaming). Rejects when the backend could not be asked; the caller retries with back-off.
   */
  fetch(streamId: string): Promise<ArchivedAnswer[]>
  /** A stream was sent to the backend: remember it until each of its models has ended. */
  opened(stream: OpenStream): void
  /** One model's answer ended here (complete, stopped, failed or given up): forget it. */
  closed(streamId: string, modelId: string): void
  /** The streams that had not ended when the app last stopped (recent ones only). */
  openStreams(): Promise<OpenStream[]>
  /** The user's recent streams the backend keeps with what was asked, newest first (catch-up); none without. */
  recentStreams?(): Promise<RecentStream[]>
}
