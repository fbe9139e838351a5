/**
 * The main process's core, composed: settings, the mode runtime (local broker + backend + MQTT session), chat
 * orchestration and diagnostics, exposed as an IPC router and typed events. It does not import `electron`; the
 * Electron entry and the browser test harness are thin shells around it.
 */
import { join } from 'node:path'
import type { AppStatus, ConnectionState, ConnectionStatus, EventChannel, EventContract, ModelCheck } from '../shared/ipc-contract'
import { DEFAULT_TOPIC_PREFIX, userStreamsFilter } from '../protocol/stream-protocol'
import type { ModelResolver } from '../backend/model-provider'
import { createOpenAiCompatibleProvider, probeOpenAiCompatible } from '../backend/providers/openai-compatible'
import { TypedEmitter } from '../lib/typed-emitter'
import { systemClock, type Clock } from '../lib/clock'
import { ChatService } from './chat/chat-service'
import { DiagnosticsRecorder } from './diagnostics'
import { createIpcRouter, type IpcRouter } from './ipc/ipc-router'
import type { ModeRuntime, StartRuntime } from './mode-runtime'
import type { SessionStatus } from './mqtt/mqtt-session'
import { startLocalMode } from './local-mode/start-local-mode'
import { SettingsStore, type SecretCodec } from './settings/settings-store'

export type AppEvents = { [E in EventChannel]: [EventContract[E]] }

export interface AppCoreOptions {
  userDataDir: string
  appVersion: string
  secrets: SecretCodec
  topicPrefix?: string
  clock?: Clock
  /** Starts the mode's runtime; local mode unless a caller (a test, cloud mode) supplies another. */
  startRuntime?: StartRuntime
}

export interface AppCore {
  readonly router: IpcRouter
  readonly events: TypedEmitter<AppEvents>
  readonly chat: ChatService
  readonly diagnostics: DiagnosticsRecorder
  stop(): Promise<void>
}

const SESSION_TO_CONNECTION: Record<SessionStatus, ConnectionStatus> = {
  idle: 'connecting',
  connecting: 'connecting',
  connected: 'connected',
  interrupted: 'reconnecting',
  closed: 'offline',
  failed: 'failed',
}

export async function startAppCore(options: AppCoreOptions): Promise<AppCore> {
  const clock = options.clock ?? systemClock
  const topicPrefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX
  const settings = await SettingsStore.open(join(options.userDataDir, 'settings.json'), options.secrets)
  const diagnostics = new DiagnosticsRecorder()
  const events = new TypedEmitter<AppEvents>((error) => diagnostics.error(`event listener failed: ${String(error)}`))
  const models: ModelResolver = {
    resolve(modelId) {
      const model = settings.resolve(modelId)
      return model && createOpenAiCompatibleProvider(model)
    },
  }

  let connection: ConnectionState = { mode: 'local', status: 'starting', since: clock.now() }
  const setConnection = (status: ConnectionStatus, detail?: string) => {
    connection = { mode: connection.mode, status, since: clock.now(), ...(detail ? { detail } : {}) }
    events.emit('connection:changed', connection)
  }

  let runtime: ModeRuntime | undefined
  try {
    const start = options.startRuntime ?? startLocalMode
    runtime = await start({
      topicPrefix,
      models,
      onBackendFailure: (streamId, error) => diagnostics.error(`backend failed on ${streamId}: ${String(error)}`),
    })
  } catch (error) {
    diagnostics.error(`mode failed to start: ${(error as Error).message}`)
    setConnection('failed', `The local message broker could not start: ${(error as Error).message}`)
  }

  const notConnected = {
    start: () => Promise.reject(new Error(connection.detail ?? 'Not connected.')),
    stop: () => Promise.resolve(),
  }
  const chat = new ChatService({
    userId: runtime?.userId ?? 'nobody',
    topicPrefix,
    backend: runtime?.backend ?? notConnected,
    isKnownModel: (modelId) => settings.has(modelId),
    emitUpdates: (updates) => events.emit('chat:updates', updates),
    diagnostics,
    clock,
  })

  if (runtime) {
    const { session, userId } = runtime
    connection = { ...connection, mode: runtime.mode }
    session.on('status', (status, detail) => setConnection(SESSION_TO_CONNECTION[status], detail))
    try {
      await session.connect()
      await session.subscribe(userStreamsFilter(topicPrefix, userId), (topic, payload) => chat.receive(topic, payload))
    } catch (error) {
      diagnostics.error((error as Error).message)
      setConnection('failed', (error as Error).message)
    }
  }

  const status = (): AppStatus => ({
    version: options.appVersion,
    connection,
    userLabel: runtime?.userLabel ?? 'Not signed in',
    notices: [...settings.notices],
  })

  const router = createIpcRouter({
    'app:get-status': status,
    'settings:get': () => settings.publicView(),
    'settings:save-model': (input) => settings.saveModel(input),
    'settings:remove-model': (modelId) => settings.removeModel(modelId),
    'settings:select-models': (modelIds) => settings.selectModels(modelIds),
    'models:check': (modelIds) => Promise.all(modelIds.map((id) => checkModel(settings, id))),
    'chat:send': (request) => {
      if (connection.status !== 'connected' && connection.status !== 'reconnecting') {
        throw new Error(`Not connected: ${connection.detail ?? connection.status}`)
      }
      return chat.send(request)
    },
    'chat:stop': (request) => chat.stop(request),
    'diagnostics:get': () => diagnostics.snapshot(chat.activeStreamCount),
  })

  return {
    router,
    events,
    chat,
    diagnostics,
    async stop() {
      chat.dispose()
      await runtime?.close()
      events.removeAllListeners()
    },
  }
}

async function checkModel(settings: SettingsStore, modelId: string): Promise<ModelCheck> {
  const model = settings.resolve(modelId)
  if (!model) return { modelId, reachable: false, message: `No model is configured with the id "${modelId}".` }
  const result = await probeOpenAiCompatible(model)
  return { modelId, ...result }
}
