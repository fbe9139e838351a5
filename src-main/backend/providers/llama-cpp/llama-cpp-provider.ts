/**
 * A GGUF file as a StreamDesk model: the `ModelProvider` that the chat handler streams like any other column.
 * Generation happens in the host's worker thread; this adapter turns the worker's events into model events and
 * puts the context guard's note (see `context-guard.ts`) in front of an answer whose oldest turns were left out.
 */
import type { ModelEvent, ModelProvider } from '../../model-provider'
import type { GenerationParameters } from '../../../shared/generation'
import { textWithFiles } from '../../attachment-parts'
import { stripTrimNote, trimNote } from './context-guard'
import type { LlamaCppHost } from './llama-cpp-host'
import type { GenerationOptions } from './worker-protocol'

export interface LlamaCppProviderOptions {
  host: LlamaCppHost
  modelPath: string
  /** Longest answer, in tokens. Default 1024. */
  maxTokens?: number
  /** Context to allocate per answer (capped by the model's training context). Default 4096. */
  maxContextSize?: number
  /** Default 0.7; 0 is greedy decoding (deterministic, used by tests and the bench). */
  temperature?: number
  seed?: number
  /** CPU threads per answer; default: node-llama-cpp's choice for this machine. */
  threads?: number
}

export const DEFAULT_GENERATION: Pick<GenerationOptions, 'maxTokens' | 'maxContextSize' | 'temperature'> = {
  maxTokens: 1024,
  maxContextSize: 4096,
  temperature: 0.7,
}

export function createLlamaCppProvider(options: LlamaCppProviderOptions): ModelProvider {
  const generation: GenerationOptions = {
    maxTokens: options.maxTokens ?? DEFAULT_GENERATION.maxTokens,
    maxContextSize: options.maxContextSize ?? DEFAULT_GENERATION.maxContextSize,
    temperature: options.temperature ?? DEFAULT_GENERATION.temperature,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  }
  return {
    async *stream({ messages, parameters, signal }): AsyncIterable<ModelEvent> {
      const events = options.host.generate(
        {
          modelPath: options.modelPath,
          // The engine reads text only: text files go in as text; the app sends it no images (see model-inputs).
          messages: stripTrimNote(messages).map(({ role, content, parts }) => ({
            role,
            content: textWithFiles(content, parts),
          })),
          options: withParameters(generation, parameters),
        },
        signal,
      )
      for await (const event of events) {
        switch (event.type) {
          case 'started':
            if (event.droppedMessages > 0)
              yield { type: 'delta', text: trimNote(event.droppedMessages, event.contextSize) }
            break
          case 'delta':
            yield { type: 'delta', text: event.text }
            break
          case 'end':
            // An aborted answer says nothing: the handler knows it stopped it.
            if (event.reason !== 'aborted') {
              const reason = event.reason === 'max-tokens' ? 'max-tokens' : 'end'
              yield { type: 'stop', reason, raw: event.reason }
            }
            yield { type: 'usage', inputTokens: event.inputTokens, outputTokens: event.outputTokens }
            break
        }
      }
    },
  }
}

/**
 * The request's parameters over the provider's own generation settings. Reasoning has no switch here: a GGUF
 * reasoning model thinks (in `<think>` tags) as its chat template says, whatever is asked.
 */
export function withParameters(
  generation: GenerationOptions,
  parameters: GenerationParameters = {},
): GenerationOptions {
  const { temperature, topP, maxOutputTokens } = parameters
  return {
    ...generation,
    ...(temperature !== undefined ? { temperature } : {}),
    ...(topP !== undefined ? { topP } : {}),
    ...(maxOutputTokens !== undefined ? { maxTokens: maxOutputTokens } : {}),
  }
}
