/**
 * The embedded model's cost of StreamDesk's pipeline (issue 6): tokens per second and time to first token for the
 * tiny fixture model (tests/fixtures/tiny-gguf.ts), generated
 *   - directly with node-llama-cpp in this thread (the baseline: context, LlamaChat, generateResponse), and
 *   - through the whole app: a 'gguf' settings entry → app core → llama.cpp provider in its worker thread →
 *     chat handler → coalescer → embedded aedes broker → aws-crt session → reorder buffer → renderer-bound event.
 * Both do equal work: the same prompt, greedy decoding (temperature 0, so the same tokens; checked), exactly
 * N output tokens, one CPU thread, a fresh context per answer. Runs alternate between the two, and the cost is the
 * median over pairs (a pipeline run against the direct run just before it), so a busy machine slows both alike.
 * Also measured: stop → "stopped" status through the pipeline, and the main thread's event-loop delay while the
 * pipeline generates (the model runs in a worker thread, so the app's own thread stays responsive).
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { getLlama, LlamaChat, resolveChatWrapper } from 'node-llama-cpp'
import { toChatHistory } from '../../src-main/backend/providers/llama-cpp/llama-engine'
import type { SendPromptResult, StreamUpdate } from '../../src-main/shared/ipc-contract'
import { tinyGgufPath } from '../fixtures/tiny-gguf'
import { startTestCore } from '../support/test-core'
import { percentile } from './stats'

const OUTPUT_TOKENS = 2000
const CONTEXT_SIZE = 4096
const RUNS = 11
const PROMPT = 'Tell me about the river and the stone'
const MODEL_ID = 'gguf:tiny'

export interface EmbeddedRun {
  /** From the request (direct: creating the context; pipeline: chat:send) to the first text. */
  ttftMs: number
  /** From the request to the last text. */
  totalMs: number
  tokens: number
  /** Streaming rate: the tokens after the first over the time from first to last text. */
  tokensPerSecond: number
  text: string
  /** The main thread's event-loop delay over the run, p99 and max, in ms (pipeline runs only). */
  loopDelayP99Ms?: number
  loopDelayMaxMs?: number
}

const rate = (tokens: number, firstAt: number, lastAt: number) => ((tokens - 1) * 1000) / (lastAt - firstAt)

export interface EmbeddedModelReport {
  direct: EmbeddedRun[]
  pipeline: EmbeddedRun[]
  stopMs: number[]
  outputTokens: number
}

export async function measureEmbeddedModel(): Promise<EmbeddedModelReport> {
  const modelPath = await tinyGgufPath()
  const llama = await getLlama({ gpu: false, build: 'never', progressLogs: false })
  const model = await llama.loadModel({ modelPath })
  const chatWrapper = resolveChatWrapper(model, { warningLogs: false })

  const direct = async (): Promise<EmbeddedRun> => {
    const started = performance.now()
    let firstAt = 0
    let lastAt = 0
    let tokens = 0
    const context = await model.createContext({ contextSize: CONTEXT_SIZE, sequences: 1, threads: 1 })
    const chat = new LlamaChat({ contextSequence: context.getSequence(), chatWrapper })
    try {
      const result = await chat.generateResponse(toChatHistory([{ role: 'user', content: PROMPT }]), {
        maxTokens: OUTPUT_TOKENS,
        temperature: 0,
        onToken: (t) => (tokens += t.length),
        onTextChunk: (text) => {
          if (text.length === 0) return
          lastAt = performance.now()
          firstAt ||= lastAt
        },
      })
      return {
        ttftMs: firstAt - started,
        totalMs: lastAt - started,
        tokens,
        tokensPerSecond: rate(tokens, firstAt, lastAt),
        text: result.response,
      }
    } finally {
      chat.dispose()
      await context.dispose()
    }
  }

  const app = await startTestCore({
    broker: 'embedded',
    modelIds: [],
    prepareUserData: async (userDataDir) => {
      await mkdir(join(userDataDir, 'models'), { recursive: true })
      await copyFile(modelPath, join(userDataDir, 'models', 'tiny.gguf'))
      const models = [{ id: MODEL_ID, label: 'Tiny', provider: 'gguf', file: 'tiny.gguf' }]
      await writeFile(
        join(userDataDir, 'settings.json'),
        JSON.stringify({ version: 1, models, selectedModelIds: [MODEL_ID] }),
      )
    },
    embeddedModels: { temperature: 0, threads: 1, maxTokens: OUTPUT_TOKENS, maxContextSize: CONTEXT_SIZE },
  })
  let listener: ((updates: StreamUpdate[]) => void) | undefined
  app.core.events.on('chat:updates', (updates) => listener?.(updates))

  const throughPipeline = async (stopAfterMs?: number): Promise<EmbeddedRun & { stopMs?: number }> => {
    let text = ''
    let firstAt = 0
    let lastTextAt = 0
    let tokens = 0
    let stoppedAt = 0
    let ended: () => void
    const done = new Promise<void>((resolve) => (ended = resolve))
    listener = (updates) => {
      const now = performance.now()
      for (const update of updates) {
        if (update.modelId !== MODEL_ID) continue
        if (update.append.length > 0) {
          text += update.append
          firstAt ||= now
          lastTextAt = now
        }
        if (update.status !== 'streaming') {
          tokens = update.usage?.outputTokens ?? 0
          stoppedAt = now
          ended()
        }
      }
    }
    const loopDelay = monitorEventLoopDelay({ resolution: 5 })
    loopDelay.enable()
    const started = performance.now()
    const { streamId } = (await app.invoke('chat:send', [{ prompt: PROMPT, modelIds: [MODEL_ID] }])) as SendPromptResult
    let pressedAt = 0
    if (stopAfterMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, stopAfterMs))
      pressedAt = performance.now()
      await app.invoke('chat:stop', [{ streamId, modelId: MODEL_ID }])
    }
    await done
    loopDelay.disable()
    return {
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
      ttftMs: firstAt - started,
      totalMs: lastTextAt - started,
      tokens,
      tokensPerSecond: rate(tokens, firstAt, lastTextAt),
      text,
      ...(stopAfterMs !== undefined ? { stopMs: stoppedAt - pressedAt } : {}),
    }
  }

  try {
    // Warm-up: the worker thread starts and loads the model; both paths run once unmeasured.
    await direct()
    await throughPipeline()
    const report: EmbeddedModelReport = { direct: [], pipeline: [], stopMs: [], outputTokens: OUTPUT_TOKENS }
    for (let run = 0; run < RUNS; run++) {
      report.direct.push(await direct())
      report.pipeline.push(await throughPipeline())
    }
    for (let run = 0; run < RUNS; run++) report.stopMs.push((await throughPipeline(150)).stopMs!)
    return report
  } finally {
    listener = undefined
    await app.stop()
    await model.dispose()
    await llama.dispose()
  }
}

export function embeddedModelRows(report: EmbeddedModelReport): Array<Record<string, string | number>> {
  const median = (runs: EmbeddedRun[], key: 'ttftMs' | 'tokensPerSecond' | 'totalMs') =>
    percentile(
      runs.map((r) => r[key]),
      50,
    )
  // Each pipeline run against the direct run just before it: a machine that speeds up or slows down over the
  // bench (other work on the cores) then shifts both sides of a pair, not the comparison.
  const pairedCosts = report.pipeline.map(
    (run, i) => (1 - run.tokensPerSecond / report.direct[i]!.tokensPerSecond) * 100,
  )
  const cost = percentile(pairedCosts, 50)
  const reference = report.direct[0]!.text
  return (['direct', 'pipeline'] as const).map((path) => {
    const runs = report[path]
    return {
      path: path === 'direct' ? 'node-llama-cpp direct (baseline)' : 'StreamDesk pipeline (worker → MQTT → app)',
      runs: runs.length,
      'tokens/answer': runs[0]!.tokens,
      'tokens/s p50': median(runs, 'tokensPerSecond'),
      'TTFT p50 ms': median(runs, 'ttftMs'),
      'answer ms p50': median(runs, 'totalMs'),
      'same text': runs.every((r) => r.text === reference) ? 'yes' : 'NO',
      'throughput cost (paired runs, p50)': path === 'direct' ? '—' : `${cost.toFixed(1)}%`,
      'target (< 5%)': path === 'direct' ? '—' : cost < 5 ? 'PASS' : 'FAIL',
    }
  })
}
