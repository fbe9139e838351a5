/**
 * A flood: many concurrent prompts in ONE app core (the real core, on Mosquitto, the chat handler in-process),
 * several models each, every model streaming at a realistic pace with its own text. Records, per model stream,
 * the time to first text and to completion, whether the text is exact, and samples the process's memory while it
 * runs. Used by the flood test (with assertions) and by the flood benchmark (as a table).
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ModelEvent, ModelResolver } from '../../src-main/backend/model-provider'
import type { Diagnostics } from '../../src-main/shared/ipc-contract'
import { answerDeltas } from './answer-text'
import type { Mosquitto } from './mosquitto'
import { startRuntimeCore } from './runtime-core'
import { inProcessBackend, splitRuntime } from './split-runtime'

export interface FloodOptions {
  broker: Pick<Mosquitto, 'host' | 'port'>
  streams?: number
  modelsPerStream?: number
  /** Memory sampling interval. */
  sampleEveryMs?: number
  /** How long to wait for everything to finish. */
  timeoutMs?: number
  /**
   * Where the user-data folder (with history.sqlite) goes. The history store commits every answer's progress with
   * synchronous=FULL, one fsync per write on the main thread, so on a busy disk the flood measures the disk;
   * '/dev/shm' (tmpfs, where fsync costs nothing) measures the relay and the core alone.
   */
  dataParent?: string
}

export interface ModelStreamRecord {
  stream: number
  modelId: string
  /** The model's own pace: deltas × interval. */
  scriptedMs: number
  firstTextMs: number
  completedMs: number
  status: string
  exact: boolean
}

export interface MemorySample {
  atMs: number
  heapUsed: number
  rss: number
}

export interface FloodResult {
  streams: number
  modelStreams: number
  durationMs: number
  chunksDelivered: number
  records: ModelStreamRecord[]
  samples: MemorySample[]
  /** After a full GC before the prompts, and after a full GC once every stream has ended. */
  /** The main thread's event-loop delay while streaming (how long a timer or an IPC message could wait), ms. */
  eventLoopDelayP99Ms: number
  eventLoopDelayMaxMs: number
  heapBefore: number
  heapAfter: number
  rssBefore: number
  rssAfter: number
  diagnostics: Diagnostics
}

/** A full garbage collection, from inside a vitest worker or tsx (neither runs with --expose-gc). */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  gc()
}

/** The script of `modelId` in stream `stream`: 60–119 deltas every 15–39 ms (25–65 tokens/s), ~1–4.5 s. */
export function floodScript(stream: number, modelIndex: number) {
  return { count: 60 + ((stream * 37 + modelIndex * 11) % 60), intervalMs: 15 + ((stream * 7 + modelIndex * 13) % 25) }
}

const PROMPT = /^flood (\d+)$/

/** Models that answer each prompt `flood <n>` with their own text for stream n, at their scripted pace. */
function floodModels(): ModelResolver {
  return {
    resolve: (modelId) => ({
      async *stream({ messages, signal }): AsyncIterable<ModelEvent> {
        const stream = Number(PROMPT.exec(messages.at(-1)?.content ?? '')?.[1] ?? -1)
        const modelIndex = Number(modelId.slice(1))
        const { count, intervalMs } = floodScript(stream, modelIndex)
        for (const text of answerDeltas(`${modelId}s${stream}`, count)) {
          await sleep(intervalMs, undefined, { signal })
          yield { type: 'delta', text }
        }
      },
    }),
  }
}

export async function runFlood(options: FloodOptions): Promise<FloodResult> {
  const streams = options.streams ?? 50
  const modelIds = Array.from({ length: options.modelsPerStream ?? 4 }, (_, i) => `m${i}`)
  const split = splitRuntime({ app: options.broker, backend: inProcessBackend(options.broker) })
  const t = await startRuntimeCore({
    startRuntime: split.startRuntime,
    modelIds,
    models: floodModels(),
    ...(options.dataParent ? { dataParent: options.dataParent } : {}),
  })
  const delay = monitorEventLoopDelay({ resolution: 10 })
  try {
    collectGarbage()
    const before = process.memoryUsage()
    const samples: MemorySample[] = []
    const startedAt = performance.now()
    const sample = () => {
      const { heapUsed, rss } = process.memoryUsage()
      samples.push({ atMs: performance.now() - startedAt, heapUsed, rss })
    }
    const sampler = setInterval(sample, options.sampleEveryMs ?? 50)
    sample()
    delay.enable()
    const sent = await Promise.all(
      Array.from({ length: streams }, async (_, stream) => {
        const sentAt = performance.now()
        const { streamId } = await t.send(`flood ${stream}`, modelIds)
        return { stream, streamId, sentAt }
      }),
    )
    const results = await Promise.all(
      sent.map(({ streamId }) => t.finished(streamId, modelIds, options.timeoutMs ?? 60_000)),
    )
    const durationMs = performance.now() - startedAt
    delay.disable()
    clearInterval(sampler)
    sample()
    const records: ModelStreamRecord[] = sent.flatMap(({ stream, sentAt }, i) =>
      modelIds.map((modelId, modelIndex) => {
        const column = results[i]![modelId]!
        const { count, intervalMs } = floodScript(stream, modelIndex)
        return {
          stream,
          modelId,
          scriptedMs: count * intervalMs,
          firstTextMs: (column.firstTextAt ?? NaN) - sentAt,
          completedMs: (column.endedAt ?? NaN) - sentAt,
          status: column.status,
          exact: column.text === answerDeltas(`${modelId}s${stream}`, count).join(''),
        }
      }),
    )
    // Every stream has ended; let the history writer and the update batcher go idle, then look at what is left.
    await sleep(500)
    const diagnostics = await t.diagnostics()
    t.columns.clear()
    collectGarbage()
    const after = process.memoryUsage()
    return {
      streams,
      modelStreams: records.length,
      durationMs,
      chunksDelivered: diagnostics.chunksDelivered,
      records,
      samples,
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: delay.max / 1e6,
      heapBefore: before.heapUsed,
      heapAfter: after.heapUsed,
      rssBefore: before.rss,
      rssAfter: after.rss,
      diagnostics,
    }
  } finally {
    await t.stop()
  }
}
