import { setTimeout as sleep } from 'node:timers/promises'
import {
  ModelError,
  type ModelEvent,
  type ModelProvider,
  type ModelResolver,
  type ModelStreamRequest,
} from '../../src-main/backend/model-provider'
import type { StopReason } from '../../src-main/shared/answer'

export interface Script {
  deltas: string[]
  /** Pause before each delta. */
  intervalMs?: number
  /** Throw this after the deltas instead of finishing. */
  failWith?: Error
  /** Stop sending and wait (until aborted) after this many deltas. */
  hangAfter?: number
  usage?: { inputTokens?: number; outputTokens?: number }
  /** Why the model stopped, sent last as the provider's stop event (none by default). */
  stopReason?: StopReason
}

/** A model that answers from a script: the stand-in for a real model, at the edge of the system. */
export function scriptedProvider(script: Script, requests: ModelStreamRequest[] = []): ModelProvider {
  return {
    async *stream(request): AsyncIterable<ModelEvent> {
      requests.push(request)
      for (const [index, text] of script.deltas.entries()) {
        if (script.hangAfter === index) await sleep(3_600_000, undefined, { signal: request.signal })
        if (script.intervalMs) await sleep(script.intervalMs, undefined, { signal: request.signal })
        request.signal.throwIfAborted()
        yield { type: 'delta', text }
      }
      if (script.failWith) throw script.failWith
      if (script.usage) yield { type: 'usage', ...script.usage }
      if (script.stopReason) yield { type: 'stop', reason: script.stopReason }
    },
  }
}

export function scriptedModels(
  scripts: Record<string, Script>,
  requests: Record<string, ModelStreamRequest[]> = {},
): ModelResolver {
  return {
    resolve(modelId) {
      const script = scripts[modelId]
      return script && scriptedProvider(script, (requests[modelId] ??= []))
    },
  }
}

export { ModelError }
