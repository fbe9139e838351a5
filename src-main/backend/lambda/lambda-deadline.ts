/**
 * Lambda kills a function at its timeout, mid-stream, and the app would then wait for final chunks that never come.
 * So a little before the timeout every model still streaming is ended with a 'timeout' error, leaving time for the
 * handler to publish the finals.
 */
import { systemClock, type Clock } from '../../lib/clock'
import { ModelError, type ModelProvider, type ModelResolver } from '../model-provider'

export interface Deadline {
  signal: AbortSignal
  dispose(): void
}

/** A signal that aborts `marginMs` before the invocation's remaining time runs out (never, if that is unknown). */
export function invocationDeadline(
  remainingMs: number | undefined,
  marginMs: number,
  clock: Clock = systemClock,
): Deadline {
  const controller = new AbortController()
  if (remainingMs === undefined) return { signal: controller.signal, dispose: () => {} }
  const timer = clock.setTimeout(() => controller.abort(), Math.max(0, remainingMs - marginMs))
  return { signal: controller.signal, dispose: () => clock.clearTimeout(timer) }
}

/** Every provider of `resolver`, ended with a ModelError('timeout') when `deadline` aborts. */
export function resolverWithDeadline(resolver: ModelResolver, deadline: AbortSignal): ModelResolver {
  return {
    resolve(modelId) {
      const provider = resolver.resolve(modelId)
      return provider && providerWithDeadline(provider, deadline)
    },
  }
}

function providerWithDeadline(provider: ModelProvider, deadline: AbortSignal): ModelProvider {
  const timedOut = () => new ModelError('timeout', "The answer was cut off at the chat function's time limit.")
  return {
    async *stream(request) {
      const signal = AbortSignal.any([request.signal, deadline])
      try {
        yield* provider.stream({ ...request, signal })
      } catch (error) {
        if (deadline.aborted && !request.signal.aborted) throw timedOut()
        throw error
      }
      if (deadline.aborted && !request.signal.aborted) throw timedOut()
    },
    // The wrapped model still reads what it read: attachments are prepared for its target.
    ...(provider.attachmentTarget ? { attachmentTarget: provider.attachmentTarget } : {}),
  }
}
