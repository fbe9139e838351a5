/**
 * An embedded GGUF model through the whole pipeline, as local mode ships: a `provider: 'gguf'` entry in settings
 * and the tiny fixture file in `<userData>/models`, resolved by the app core to the llama.cpp provider, generated
 * in its worker thread, then chat handler → coalescer → embedded aedes broker → aws-crt session → reorder buffer
 * → the window's updates and the history store. Greedy decoding makes the answer deterministic, so the text that
 * arrives can be compared with what node-llama-cpp generates directly for the same prompt.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LlamaCppHost } from '../../../src-main/backend/providers/llama-cpp/llama-cpp-host'
import { createLlamaCppProvider } from '../../../src-main/backend/providers/llama-cpp/llama-cpp-provider'
import type {
  ConversationDetail,
  ModelCheck,
  SendPromptResult,
  StreamUpdate,
} from '../../../src-main/shared/ipc-contract'
import { tinyGgufPath } from '../../fixtures/tiny-gguf'
import { withinDeadline } from '../../support/deadline'
import { startTestCore } from '../../support/test-core'

const MODEL_ID = 'gguf:tiny'
const MAX_TOKENS = 300
const generation = { temperature: 0, threads: 1, maxTokens: MAX_TOKENS }

let fixture: string
/** What node-llama-cpp generates for the prompt without StreamDesk's pipeline: the reference answer. */
let direct: { deltas: string[]; text: string }

beforeAll(async () => {
  fixture = await tinyGgufPath()
  const host = new LlamaCppHost()
  try {
    const deltas: string[] = []
    const provider = createLlamaCppProvider({ host, modelPath: fixture, ...generation })
    for await (const event of provider.stream({
      messages: [{ role: 'user', content: 'Tell me about the river' }],
      signal: new AbortController().signal,
    })) {
      if (event.type === 'delta') deltas.push(event.text)
    }
    direct = { deltas, text: deltas.join('') }
  } finally {
    await host.dispose()
  }
})

/** Settings with one embedded model whose file is in the models folder, as the model manager leaves it. */
async function installTinyModel(userDataDir: string): Promise<void> {
  await mkdir(join(userDataDir, 'models'), { recursive: true })
  await copyFile(fixture, join(userDataDir, 'models', 'tiny.gguf'))
  const models = [{ id: MODEL_ID, label: 'Tiny', provider: 'gguf', file: 'tiny.gguf' }]
  await writeFile(
    join(userDataDir, 'settings.json'),
    JSON.stringify({ version: 1, models, selectedModelIds: [MODEL_ID] }),
  )
}

const startCore = (maxTokens = MAX_TOKENS) =>
  startTestCore({
    broker: 'embedded',
    modelIds: [],
    prepareUserData: installTinyModel,
    embeddedModels: { ...generation, maxTokens },
  })

describe('an embedded GGUF model through the whole pipeline', () => {
  let core: Awaited<ReturnType<typeof startTestCore>> | undefined
  afterAll(async () => {
    await core?.stop()
  })

  it('streams real generated tokens in order, ends with the final marker, and history holds exactly the streamed text', async () => {
    expect(direct.text.length).toBeGreaterThan(MAX_TOKENS)
    core = await startCore()
    const t = core
    const checks = (await t.invoke('models:check', [[MODEL_ID]])) as ModelCheck[]
    expect(checks[0]).toMatchObject({ modelId: MODEL_ID, reachable: true })
    const received: StreamUpdate[] = []
    t.core.events.on('chat:updates', (updates) => received.push(...updates.filter((u) => u.modelId === MODEL_ID)))
    const { streamId, conversationId } = (await t.invoke('chat:send', [
      { prompt: 'Tell me about the river', modelIds: [MODEL_ID] },
    ])) as SendPromptResult
    const result = (await t.finished(streamId, [MODEL_ID], 60_000))[MODEL_ID]!
    // Complete means the final marker arrived with every chunk before it and the answer's SHA-256 matched.
    expect(result.status).toBe('complete')
    expect(result.text).toBe(direct.text)
    // In order at every step: each update extends a prefix of the reference text, and there were many of them.
    let shown = ''
    for (const update of received) {
      shown += update.append
      expect(direct.text.startsWith(shown)).toBe(true)
    }
    expect(received.filter((u) => u.append.length > 0).length).toBeGreaterThan(1)
    expect(received.at(-1)).toMatchObject({ status: 'complete', usage: { outputTokens: MAX_TOKENS } })
    const stored = (await t.invoke('history:get', [conversationId])) as ConversationDetail
    expect(stored.turns[0]!.answers).toEqual([
      expect.objectContaining({ modelId: MODEL_ID, text: result.text, status: 'complete' }),
    ])
  })

  // How fast (< 100 ms) is `npm run bench`'s "stop pressed → stopped shown" row; here, on a machine that may be
  // busy, what must hold is the order: stop, then 'stopped', then no more text, and history keeps what was shown.
  it('stops when the user presses stop, shows no text after it, and history keeps what was shown', async () => {
    const t = await startCore(100_000)
    try {
      let firstText: () => void
      const someText = new Promise<void>((resolve) => (firstText = resolve))
      let stopped: () => void
      const stoppedSeen = new Promise<void>((resolve) => (stopped = resolve))
      let pressedAt = 0
      let stoppedAt = 0
      let textAfterStopped = ''
      t.core.events.on('chat:updates', (updates) => {
        for (const update of updates) {
          if (stoppedAt > 0) textAfterStopped += update.append
          if (update.append.length > 0) firstText()
          if (update.status === 'stopped') {
            stoppedAt = performance.now()
            stopped()
          }
        }
      })
      const { streamId, conversationId } = (await t.invoke('chat:send', [
        { prompt: 'Go on and on', modelIds: [MODEL_ID] },
      ])) as SendPromptResult
      await someText
      pressedAt = performance.now()
      await t.invoke('chat:stop', [{ streamId, modelId: MODEL_ID }])
      // Unstopped, the 100,000-token answer would take minutes.
      await withinDeadline(stoppedSeen, "the column shows 'stopped'")
      console.info(`stop pressed → 'stopped' shown in ${(stoppedAt - pressedAt).toFixed(1)} ms`)
      expect(stoppedAt).toBeGreaterThan(pressedAt)
      const column = (await t.finished(streamId, [MODEL_ID]))[MODEL_ID]!
      expect(column.status).toBe('stopped')
      expect(column.text.length).toBeGreaterThan(0)
      expect(textAfterStopped).toBe('')
      const stored = (await t.invoke('history:get', [conversationId])) as ConversationDetail
      expect(stored.turns[0]!.answers[0]).toMatchObject({ text: column.text, status: 'stopped' })
    } finally {
      await t.stop()
    }
  })
})
