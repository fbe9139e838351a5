/**
 * The main process's core, composed: settings, history, the mode runtime (broker + backend + MQTT session), chat
 * orchestration and diagnostics, exposed as an IPC router and typed events. It does not import `electron`; the
 * Electron entry and the browser test harness are thin shells around it.
 */
import { join } from 'node:path'
import type {
  AppStatus,
  ConnectionState,
  ConnectionStatus,
  EventChannel,
  EventContract,
  ModelCheck,
  Notice,
} from '../shared/ipc-contract'
import { DEFAULT_TOPIC_PREFIX, userStreamsFilter } from '../protocol/stream-protocol'
import type { ModelResolver } from '../backend/model-provider'
import { createOpenAiCompatibleProvider, probeOpenAiCompatible } from '../backend/providers/openai-compatible'
import { TypedEmitter } from '../lib/typed-emitter'
import { systemClock, type Clock } from '../lib/clock'
import { ChatService } from './chat/chat-service'
import { DiagnosticsRecorder } from './diagnostics'
import { AnswerWriter } from './history/answer-writer'
import { historyHandlers } from './history/history-handlers'
import { openHistory } from './history/open-history'
import { StoredConversations } from './history/stored-conversations'
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
  const diagnostics = new DiagnosticsRecorder()
  const events = new TypedEmitter<AppEvents>((error) => diagnostics.error(`event listener failed: ${String(error)}`))
  const notify = (notice: Notice) => events.emit('app:notice', notice)
  const settings = await SettingsStore.open(join(options.userDataDir, 'settings.json'), options.secrets)
  const history = await openHistory(join(options.userDataDir, 'history.sqlite'), clock)
  const historyChanged = () => events.emit('history:changed', undefined)
  const writer = new AnswerWriter({
    sink: history.store,
    clock,
    onError: (problem) => notify({ level: 'error', message: problem.message }),
    onRecovered: () => notify({ level: 'info', message: 'History is being saved again.' }),
  })
  const models: ModelResolver = {
    resolve(modelId) {
      const model = settings.resolve(modelId)
      return model && createOpenAiCompatibleProvider(model)
    },
  }

  let runtime: ModeRuntime | undefined
  let startFailure: string | undefined
  try {
    const start = options.startRuntime ?? startLocalMode
    runtime = await start({
      topicPrefix,
      models,
      onBackendFailure: (streamId, error) => diagnostics.error(`backend failed on ${streamId}: ${String(error)}`),
    })
  } catch (error) {
    startFailure = `The local message broker could not start: ${(error as Error).message}`
    diagnostics.error(startFailure)
  }

  const chat = new ChatService({
    userId: runtime?.userId ?? 'nobody',
    topicPrefix,
    backend: runtime?.backend ?? { start: () => Promise.reject(new Error(startFailure)), stop: () => Promise.resolve() },
    conversations: new StoredConversations(history.store, writer, historyChanged),
    modelLabel: (modelId) => settings.resolve(modelId)?.label,
    // Prompts wait in the queue until the session is connected and subscribed.
    online: false,
    emitUpdates: (updates) => events.emit('chat:updates', updates),
    diagnostics,
    clock,
  })

  let connection: ConnectionState = { mode: runtime?.mode ?? 'local', status: 'starting', since: clock.now() }
  let subscribed = false
  const setConnection = (status: ConnectionStatus, detail?: string) => {
    connection = { mode: connection.mode, status, since: clock.now(), ...(detail ? { detail } : {}) }
    events.emit('connection:changed', connection)
    void chat.setOnline(subscribed && status === 'connected')
  }
  if (startFailure) setConnection('failed', startFailure)

  if (runtime) {
    const { session, userId } = runtime
    session.on('status', (status, detail) => setConnection(SESSION_TO_CONNECTION[status], detail))
    try {
      await session.connect()
      await session.subscribe(userStreamsFilter(topicPrefix, userId), (topic, payload) => chat.receive(topic, payload))
      subscribed = true
      setConnection(SESSION_TO_CONNECTION[session.status])
    } catch (error) {
      diagnostics.error((error as Error).message)
      setConnection('failed', (error as Error).message)
    }
  }

  const maintenance = history.startMaintenance({ clock, notify })

  const status = (): AppStatus => ({
    version: options.appVersion,
    connection,
    userLabel: runtime?.userLabel ?? 'Not signed in',
    notices: [...settings.notices, ...history.notices],
  })

  const router = createIpcRouter({
    'app:get-status': status,
    'settings:get': () => settings.publicView(),
    'settings:save-model': (input) => settings.saveModel(input),
    'settings:remove-model': (modelId) => settings.removeModel(modelId),
    'settings:select-models': (modelIds) => settings.selectModels(modelIds),
    'models:check': (modelIds) => Promise.all(modelIds.map((id) => checkModel(settings, id))),
    'chat:send': (request) => chat.send(request),
    'chat:stop': (request) => chat.stop(request),
    'diagnostics:get': () => diagnostics.snapshot(chat.activeStreamCount),
    ...historyHandlers(history.store, historyChanged),
  })

  return {
    router,
    events,
    chat,
    diagnostics,
    async stop() {
      chat.dispose()
      maintenance.stop()
      await runtime?.close()
      writer.flush()
      writer.dispose()
      history.store.close()
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
