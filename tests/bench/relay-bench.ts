/**
 * Relay overhead: the time from the chat handler's publish of a chunk to the moment the main process emits it
 * towards the renderer, through the embedded broker and through Mosquitto, against a baseline measured in the
 * same run where the handler's chunks go straight into the same chat service with no broker (what an
 * HTTP-streaming client does). Also measured: how long the coalescing window holds a delta before its publish.
 */
import { performance } from 'node:perf_hooks'
import type { Publisher } from '../../src-main/backend/publisher'
import type { ModelEvent, ModelResolver } from '../../src-main/backend/model-provider'
import { ChatService, type ChatBackend } from '../../src-main/core/chat/chat-service'
import { DiagnosticsRecorder } from '../../src-main/core/diagnostics'
import { connectBrokerRuntime } from '../../src-main/core/local-mode/broker-runtime'
import { LocalChatBackend } from '../../src-main/core/local-mode/local-chat-backend'
import { startLocalMode } from '../../src-main/core/local-mode/start-local-mode'
import type { ModeRuntime } from '../../src-main/core/mode-runtime'
import { DEFAULT_TOPIC_PREFIX, userStreamsFilter, type ChunkMessage } from '../../src-main/protocol/stream-protocol'
import type { StreamUpdate } from '../../src-main/shared/ipc-contract'
import type { Mosquitto } from '../support/mosquitto'
import { percentile } from './stats'
import { memoryHistory } from '../support/memory-history'

export type RelayPath = 'direct (no broker)' | 'embedded broker (aedes)' | 'Mosquitto'

export interface RelayResult {
  path: RelayPath
  samples: number
  relayMs: number[]
  /** Per delta: from the model yielding it to the publish of the chunk that carries it. */
  windowMs: number[]
  publishes: number
  deltas: number
}

const MODELS = ['m1', 'm2', 'm3', 'm4']
const DELTAS_PER_MODEL = 600
const DELTA_INTERVAL_MS = 5 // 200 tokens/s per model

/** Records when each chunk is published and when the text it ends with reaches the renderer-bound event. */
class LatencyProbe {
  private readonly published = new Map<string, Array<{ endOffset: number; at: number }>>()
  private readonly publishedChars = new Map<string, number>()
  private readonly received = new Map<string, number>()
  private readonly pending = new Map<string, number>()
  private readonly yields = new Map<string, Array<{ endOffset: number; at: number }>>()
  private readonly yieldedChars = new Map<string, number>()
  readonly relayMs: number[] = []
  readonly windowMs: number[] = []
  publishes = 0
  deltas = 0

  tap(inner: Publisher): Publisher {
    return {
      publish: (topic, payload) => {
        const message = JSON.parse(payload) as ChunkMessage
        const end = (this.publishedChars.get(message.modelId) ?? 0) + message.text.length
        this.publishedChars.set(message.modelId, end)
        const now = performance.now()
        list(this.published, message.modelId).push({ endOffset: end, at: now })
        this.publishes += 1
        this.matchWindow(message.modelId, end, now)
        return inner.publish(topic, payload)
      },
    }
  }

  yielded(modelId: string, text: string): void {
    const end = (this.yieldedChars.get(modelId) ?? 0) + text.length
    this.yieldedChars.set(modelId, end)
    list(this.yields, modelId).push({ endOffset: end, at: performance.now() })
    this.deltas += 1
  }

  onUpdates = (updates: StreamUpdate[]): void => {
    const now = performance.now()
    for (const update of updates) {
      const total = (this.received.get(update.modelId) ?? 0) + update.append.length
      this.received.set(update.modelId, total)
      const chunks = this.published.get(update.modelId) ?? []
      let next = this.pending.get(update.modelId) ?? 0
      while (next < chunks.length && chunks[next]!.endOffset <= total) {
        this.relayMs.push(now - chunks[next]!.at)
        next += 1
      }
      this.pending.set(update.modelId, next)
    }
  }

  private matchWindow(modelId: string, publishedEnd: number, now: number): void {
    const waiting = this.yields.get(modelId) ?? []
    while (waiting.length > 0 && waiting[0]!.endOffset <= publishedEnd) this.windowMs.push(now - waiting.shift()!.at)
  }
}

function list<T>(map: Map<string, T[]>, key: string): T[] {
  let value = map.get(key)
  if (!value) map.set(key, (value = []))
  return value
}

/** A model streaming fixed deltas at a steady rate, reporting each yield to the probe. */
function steadyModels(probe: LatencyProbe): ModelResolver {
  return {
    resolve: (modelId) => ({
      async *stream({ signal }): AsyncIterable<ModelEvent> {
        for (let i = 0; i < DELTAS_PER_MODEL; i++) {
          await new Promise((resolve) => setTimeout(resolve, DELTA_INTERVAL_MS))
          if (signal.aborted) return
          const text = `tok${i} `
          probe.yielded(modelId, text)
          yield { type: 'delta', text }
        }
      },
    }),
  }
}

export async function measureRelay(path: RelayPath, mosquitto: Mosquitto): Promise<RelayResult> {
  const probe = new LatencyProbe()
  const topicPrefix = DEFAULT_TOPIC_PREFIX
  const models = steadyModels(probe)
  const context = { topicPrefix, models }
  let chat: ChatService | undefined
  let runtime: ModeRuntime | undefined
  let backend: ChatBackend
  let userId = 'bench'
  const encoder = new TextEncoder()
  if (path === 'direct (no broker)') {
    const loopback: Publisher = { publish: async (topic, payload) => chat!.receive(topic, encoder.encode(payload)) }
    backend = new LocalChatBackend({ publisher: probe.tap(loopback), models, topicPrefix })
  } else {
    runtime =
      path === 'Mosquitto'
        ? await connectBrokerRuntime(context, {
            host: mosquitto.host,
            port: mosquitto.port,
            userId,
            userLabel: 'bench',
            app: { clientId: `bench-app-${process.pid}` },
            backend: { clientId: `bench-backend-${process.pid}` },
            decoratePublisher: (inner) => probe.tap(inner),
          })
        : await startLocalMode(context, { decoratePublisher: (inner) => probe.tap(inner) })
    userId = runtime.userId
    backend = runtime.backend
  }
  let finished!: () => void
  const done = new Promise<void>((resolve) => (finished = resolve))
  const ended = new Set<string>()
  chat = new ChatService({
    userId,
    topicPrefix,
    backend,
    conversations: (await memoryHistory()).conversations,
    modelLabel: (modelId) => modelId,
    online: true,
    diagnostics: new DiagnosticsRecorder(),
    // Frame batching is the renderer's pacing, not relay cost: flush at once so only the relay is measured.
    updateIntervalMs: 0,
    emitUpdates: (updates) => {
      probe.onUpdates(updates)
      for (const u of updates) if (u.status !== 'streaming') ended.add(u.modelId)
      if (ended.size === MODELS.length) finished()
    },
  })
  if (runtime) {
    await runtime.session.connect()
    await runtime.session.subscribe(userStreamsFilter(topicPrefix, userId), (topic, payload) =>
      chat!.receive(topic, payload),
    )
  }
  await chat.send({ prompt: 'bench', modelIds: MODELS })
  await done
  chat.dispose()
  await runtime?.close()
  return {
    path,
    samples: probe.relayMs.length,
    relayMs: probe.relayMs,
    windowMs: probe.windowMs,
    publishes: probe.publishes,
    deltas: probe.deltas,
  }
}

export function summarize(result: RelayResult) {
  return {
    p50: percentile(result.relayMs, 50),
    p99: percentile(result.relayMs, 99),
    windowP50: percentile(result.windowMs, 50),
    windowP99: percentile(result.windowMs, 99),
  }
}
