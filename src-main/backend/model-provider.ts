import type { StreamErrorCode } from '../protocol/stream-protocol'

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export type ModelEvent =
  { type: 'delta'; text: string } | { type: 'usage'; inputTokens?: number; outputTokens?: number }

export interface ModelStreamRequest {
  messages: ChatMessage[]
  /** Aborted when the user stops the stream or the handler's watchdog fires; providers must end promptly. */
  signal: AbortSignal
}

/** One configured model, ready to answer. Providers (OpenAI-compatible, Bedrock, a local GGUF…) implement it. */
export interface ModelProvider {
  stream(request: ModelStreamRequest): AsyncIterable<ModelEvent>
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
