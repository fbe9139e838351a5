/**
 * The chat request for one prompt: each model gets its own conversation so far, the conversation's system prompt
 * first, and the generation parameters Settings holds for it. Pure, so what every model is sent is tested here.
 */
import type { ChatRequest } from '../../backend/chat-handler'
import type { ChatMessage } from '../../backend/model-provider'
import { PROTOCOL_VERSIONS } from '../../protocol/stream-protocol'
import type { GenerationParameters } from '../../shared/generation'

export interface ChatRequestInput {
  userId: string
  streamId: string
  prompt: string
  modelIds: string[]
  /** Each model's earlier turns of the conversation, when it continues one. */
  context?: ReadonlyMap<string, ChatMessage[]> | undefined
  /** Sent as the first `system` message to every model; blank sends none. */
  systemPrompt?: string | undefined
  /** The parameters to ask each model with; empty sends none. */
  parametersFor?: ((modelId: string) => GenerationParameters) | undefined
}

export function buildChatRequest(input: ChatRequestInput): ChatRequest {
  const system: ChatMessage[] =
    input.systemPrompt !== undefined && input.systemPrompt.trim() !== ''
      ? [{ role: 'system', content: input.systemPrompt }]
      : []
  return {
    userId: input.userId,
    streamId: input.streamId,
    // Every protocol version this app reads; the backend answers in the highest one it shares.
    protocols: [...PROTOCOL_VERSIONS],
    models: input.modelIds.map((modelId) => {
      const parameters = input.parametersFor?.(modelId) ?? {}
      return {
        modelId,
        messages: [...system, ...(input.context?.get(modelId) ?? []), { role: 'user', content: input.prompt }],
        ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
      }
    }),
  }
}
