import type { StreamErrorCode } from '../protocol/stream-protocol'
import type { StopReason } from '../shared/answer'
import type { GenerationParameters } from '../shared/generation'
import type { AttachmentTarget, MessagePart, WireAttachment } from './attachment-parts'

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
  /** A user message's attachments, as references (the chat request's form). */
  attachments?: WireAttachment[]
  /** The same, resolved by the handler for the provider's target; providers read these, never `attachments`. */
  parts?: MessagePart[]
}

/**
 * What a provider yields while it streams. Deltas stay deltas (never the text so far), one event per channel:
 * - 'delta': answer text to append;
 * - 'reasoning': thinking text to append (OpenAI-compatible `reasoning_content` / `reasoning`, an inline
 *   `<think>` block at the start of the answer, Bedrock `reasoningContent.text`); never part of the answer;
 * - 'reasoning-signature': Bedrock's signature of the reasoning block just streamed (Bedrock needs it to take the
 *   thinking back in a later turn);
 * - 'redacted-reasoning': one reasoning block the provider sent encrypted (Bedrock `redactedContent`);
 * - 'usage': token counts, whenever the provider reports them (the last report wins, field by field);
 * - 'stop': why the model stopped, normalised (`raw` is the provider's own word, kept for 'other' and for logs);
 *   `toolNames` when it stopped to call tools.
 * Reasoning counts as activity for every idle timeout, like answer text.
 */
export type ModelEvent =
  | { type: 'delta'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'reasoning-signature'; signature: string }
  | { type: 'redacted-reasoning' }
  | {
      type: 'usage'
      inputTokens?: number
      outputTokens?: number
      reasoningTokens?: number
      /** The provider's own measure of the request's latency (Bedrock `metrics.latencyMs`). */
      latencyMs?: number
    }
  | { type: 'stop'; reason: StopReason; raw?: string; toolNames?: string[] }

export interface ModelStreamRequest {
  messages: ChatMessage[]
  /** What the user set for this model; a parameter that is absent is not sent (the provider's default applies). */
  parameters?: GenerationParameters
  /** Aborted when the user stops the stream or the handler's watchdog fires; providers must end promptly. */
  signal: AbortSignal
}

/** One configured model, ready to answer. Providers (OpenAI-compatible, Bedrock, a local GGUF…) implement it. */
export interface ModelProvider {
  stream(request: ModelStreamRequest): AsyncIterable<ModelEvent>
  /** What the provider takes attachments as; absent: text only (files as text, images not at all). */
  readonly attachmentTarget?: AttachmentTarget
}

/** Maps a model column's id to its provider; the local app reads settings, the Lambda its own configuration. */
export interface ModelResolver {
  resolve(modelId: string): ModelProvider | undefined
}

/** A failure a provider understands, with a code the app can explain to the user. */
export class ModelError extends Error {
  constructor(
    readonly code: StreamErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'ModelError'
  }
}

/** The longest provider stop word kept (the wire's `rawStopReason` holds at most 100 characters). */
const MAX_STOP_WORD = 100

/**
 * A provider's own stop word (OpenAI's `finish_reason`, Bedrock's `stopReason`) as the normalised 'stop' event, by
 * the provider's `table`; a word the table lacks travels as 'other' with the word itself, shown as it is.
 */
export function stopEvent(
  table: Readonly<Record<string, StopReason>>,
  word: string,
  toolNames: readonly string[],
): ModelEvent {
  const reason = Object.hasOwn(table, word) ? table[word]! : 'other'
  const tools = reason === 'tool-call' && toolNames.length > 0 ? { toolNames: [...toolNames] } : {}
  return { type: 'stop', reason, raw: word.slice(0, MAX_STOP_WORD), ...tools }
}
