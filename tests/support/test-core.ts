import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startAppCore, type AppCore, type AppCoreOptions } from '../../src-main/core/app-core'
import type { ModelResolver } from '../../src-main/backend/model-provider'
import type { Publisher } from '../../src-main/backend/publisher'
import { connectBrokerRuntime } from '../../src-main/core/local-mode/broker-runtime'
import { startLocalMode, type LocalModeExtras } from '../../src-main/core/local-mode/start-local-mode'
import { plainTextCodec } from '../../src-main/core/settings/settings-store'
import type { StreamUpdate } from '../../src-main/shared/ipc-contract'
import type { Mosquitto } from './mosquitto'
import { makeTempDir } from './temp-dir'

export interface ColumnResult {
  text: string
  status: StreamUpdate['status']
  error?: StreamUpdate['error']
  updates: number
  stalled: boolean
}

export interface TestCoreOptions {
  /** The embedded broker (local mode as shipped) or a running Mosquitto. */
  broker: 'embedded' | Mosquitto
  modelIds: string[]
  /** Overrides the settings-based (OpenAI-compatible) resolver. */
  models?: ModelResolver
  /** Settings' base URL for every model (e.g. a fake OpenAI server). */
  baseUrl?: string
  decoratePublisher?: (publisher: Publisher) => Publisher
  /** The embedded broker only: what local mode as shipped lets a test add (the guard's clock, the broker itself). */
  localMode?: Omit<LocalModeExtras, 'decoratePublisher'>
  /** Let the core choose its runtime from settings (local or cloud mode) instead of the given broker. */
  realModes?: boolean
  /** An existing user-data folder (a restart); a new one by default. Its settings are written again. */
  userDataDir?: string
  /** Runs after the default settings are written and before the core starts (e.g. to install a model file). */
  prepareUserData?: (userDataDir: string) => Promise<void>
  /** Embedded (GGUF) model settings for the core. */
  embeddedModels?: AppCoreOptions['embeddedModels']
  /** How secrets are kept at rest; default: as with a working keychain. */
  secrets?: AppCoreOptions['secrets']
}

/** Settings naming the given models (ids double as the server's model names). */
export async function writeSettings(
  userDataDir: string,
  modelIds: string[],
  baseUrl = 'http://127.0.0.1:9/v1',
): Promise<void> {
  const models = modelIds.map((id) => ({ id, label: id, provider: 'openai-compatible', baseUrl, model: id }))
  await writeFile(
    join(userDataDir, 'settings.json'),
    JSON.stringify({ version: 1, models, selectedModelIds: modelIds }),
  )
}

/** The real app core on a real broker, with its renderer-bound updates collected per column. */
export async function startTestCore(options: TestCoreOptions) {
  const userDataDir = options.userDataDir ?? (await makeTempDir('test'))
  await writeSettings(userDataDir, options.modelIds, options.baseUrl)
  await options.prepareUserData?.(userDataDir)
  const { broker } = options
  const core: AppCore = await startAppCore({
    userDataDir,
    appVersion: 'test',
    secrets: options.secrets ?? plainTextCodec,
    ...(options.embeddedModels ? { embeddedModels: options.embeddedModels } : {}),
    startRuntime: options.realModes
      ? undefined
      : (context) => {
          const withModels = { ...context, ...(options.models ? { models: options.models } : {}) }
          const extras = options.decoratePublisher ? { decoratePublisher: options.decoratePublisher } : {}
          if (broker === 'embedded') return startLocalMode(withModels, { ...options.localMode, ...extras })
          return connectBrokerRuntime(withModels, {
            host: broker.host,
            port: broker.port,
            userId: 'tester',
            userLabel: 'Tester',
            app: { clientId: `app-${Math.random().toString(36).slice(2)}` },
            backend: { clientId: `backend-${Math.random().toString(36).slice(2)}` },
            ...extras,
          })
        },
  })
  const columns = new Map<string, ColumnResult>()
  /** Per column, the reasoning appended in order (absent while none arrived) and the ending update's `end`. */
  const reasoning = new Map<string, string>()
  const ends = new Map<string, StreamUpdate['end']>()
  const batches: StreamUpdate[][] = []
  const waiters = new Set<() => void>()
  core.events.on('chat:updates', (updates) => {
    batches.push(updates)
    for (const update of updates) {
      const key = `${update.streamId}/${update.modelId}`
      const column = columns.get(key) ?? { text: '', status: 'streaming', updates: 0, stalled: false }
      column.text += update.append
      column.status = update.status
      column.updates += 1
      if (update.stalled !== undefined) column.stalled = update.stalled
      if (update.error) column.error = update.error
      if (update.appendReasoning !== undefined) reasoning.set(key, (reasoning.get(key) ?? '') + update.appendReasoning)
      if (update.end !== undefined) ends.set(key, update.end)
      columns.set(key, column)
    }
    for (const wake of waiters) wake()
  })

  /** Resolves with each model's column once every one has ended (complete, stopped or error). */
  function finished(streamId: string, modelIds: string[], timeoutMs = 20_000): Promise<Record<string, ColumnResult>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const results = modelIds.map((id) => columns.get(`${streamId}/${id}`))
        if (results.every((r) => r && r.status !== 'streaming')) {
          waiters.delete(check)
          clearTimeout(timer)
          resolve(Object.fromEntries(modelIds.map((id, i) => [id, results[i]!])))
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`streams did not finish: ${JSON.stringify(Object.fromEntries(columns))}`))
      }, timeoutMs)
      waiters.add(check)
      check()
    })
  }

  return {
    core,
    userDataDir,
    columns,
    reasoning,
    ends,
    batches,
    finished,
    invoke: core.router.invoke.bind(core.router),
    stop: () => core.stop(),
  }
}
