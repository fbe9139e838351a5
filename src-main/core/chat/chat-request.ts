/**
 * The chat request for one prompt: each model gets its own conversation so far, the conversation's system prompt
 * first, and the generation parameters Settings holds for it. Pure, so what every model is sent is tested here.
 */
import { MAX_MESSAGE_CHARS, MAX_MESSAGES, type ChatRequest } from '../../backend/chat-handler'
import type { ChatMessage } from '../../backend/model-provider'
import type { WireAttachment } from '../../backend/attachment-parts'
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
  /** The attachments each model gets with the prompt (see attachment-plan.ts); none when absent. */
  attachmentsFor?: ((modelId: string) => WireAttachment[]) | undefined
  /** The asking device and conversation, for the announcement to the user's other devices (cloud mode). */
  origin?: ChatRequest['origin']
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
    ...(input.origin ? { origin: input.origin } : {}),
    models: input.modelIds.map((modelId) => {
      const parameters = input.parametersFor?.(modelId) ?? {}
      const attachments = input.attachmentsFor?.(modelId) ?? []
      return {
        modelId,
        messages: [
          ...system,
          ...fitContext(input.context?.get(modelId) ?? [], MAX_MESSAGES - system.length - 1),
          { role: 'user', content: input.prompt, ...(attachments.length > 0 ? { attachments } : {}) },
        ],
        ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
      }
    }),
  }
}

/** Put before a message whose beginning was left out to fit the request. */
export const LEFT_OUT_MARKER = '[… the beginning of this message was left out …]\n\n'

/**
 * A conversation's context as the backend accepts it (at most `room` messages of MAX_MESSAGE_CHARS each), so a long
 * history never makes a follow-up or a Continue fail: the oldest turns go first (whole user/assistant pairs, so
 * roles keep alternating), and a message that alone is too long keeps its end, which is what the next words follow
 * from, behind a marker that says so.
 */
export function fitContext(context: readonly ChatMessage[], room: number): ChatMessage[] {
  const kept = context.length > room ? context.slice(context.length - room + ((context.length - room) % 2)) : context
  return kept.map((message) =>
    message.content.length <= MAX_MESSAGE_CHARS
      ? message
      : { ...message, content: LEFT_OUT_MARKER + endOf(message.content, MAX_MESSAGE_CHARS - LEFT_OUT_MARKER.length) },
  )
}

/** The last `chars` UTF-16 units of `text`, or one fewer rather than start on the second half of a surrogate pair. */
function endOf(text: string, chars: number): string {
  const start = text.length - chars
  const code = text.charCodeAt(start)
  return text.slice(code >= 0xdc00 && code <= 0xdfff ? start + 1 : start)
}
