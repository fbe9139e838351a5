/**
 * The main process's core, composed: settings, history, the mode runtime (broker + backend + MQTT session), chat
 * orchestration and diagnostics, exposed as an IPC router and typed events. It does not import `electron`; the
 * Electron entry and the browser test harness are thin shells around it.
 */
import { join } from 'node:path'
import type { AppStatus, EventChannel, EventContract, ModelCheck, Notice, PublicSettings } from '../shared/ipc-contract'
import { DEFAULT_TOPIC_PREFIX, LATEST_PROTOCOL_VERSION } from '../protocol/stream-protocol'
import { CLOUD_CONFIG_OUTPUT_NAME, parseCloudConfig, protocolNotice, servedProtocols } from '../protocol/cloud-config'
import { UserFacingError } from './user-facing-error'
import { writeFailureOf } from './history/describe-write-error'
import type { ModelResolver } from '../backend/model-provider'
import { createOpenAiCompatibleProvider, probeOpenAiCompatible } from '../backend/providers/openai-compatible'
import { LlamaCppHost } from '../backend/providers/llama-cpp/llama-cpp-host'
import { createLlamaCppProvider, type LlamaCppProviderOptions } from '../backend/providers/llama-cpp/llama-cpp-provider'
import { TypedEmitter } from '../lib/typed-emitter'
import { systemClock, type Clock } from '../lib/clock'
import type { ChatService } from './chat/chat-service'
import { CloudAccount } from './cloud/cloud-account'
import { parseProxyUrl } from '../lib/http-proxy'
import { startCloudMode } from './cloud/start-cloud-mode'
import { FileTokenStore } from './cloud/token-store'
import { DiagnosticsRecorder } from './diagnostics'
import { RotatingLog } from './rotating-log'
import { AnswerWriter } from './history/answer-writer'
import { closeHistory } from './history/close-history'
import type { UiLanguage } from '../shared/ui-language'
import { historyHandlers } from './history/history-handlers'
import { openHistory } from './history/open-history'
import { reportGoneAnswer } from './history/report-gone-answer'
import { StoredConversations } from './history/stored-conversations'
import { createIpcRouter, type IpcRouter } from './ipc/ipc-router'
import { ModeManager, type ModeStart } from './mode-manager'
import type { StartRuntime } from './mode-runtime'
import { startLocalMode } from './local-mode/start-local-mode'
import { downloadAgentFor } from './models/download-proxy'
import { modelsDirectory, readInstalledModel } from './models/installed-models'
import type { CatalogModel } from './models/model-catalog'
import { ModelDownloader } from './models/model-downloader'
import { ModelManager } from './models/model-manager'
import { discoverModels } from './models/discover-models'
import { modelFileSettingsHooks } from './settings/model-file-settings'
import { SettingsStore, type ResolvedGgufModel, type ResolvedModel } from './settings/settings-store'
import type { SecretCodec } from './settings/secret-storage'
import { errorMessage } from '../lib/error-message'
import { ensurePrivateDir } from '../lib/private-files'
import { AttachmentCatalog } from './attachments/attachment-catalog'
import { BEDROCK_IMAGE_LIMITS, OPENAI_COMPATIBLE_IMAGE_LIMITS } from './attachments/attachment-limits'
import { AttachmentStore } from './attachments/attachment-store'
import { LocalAttachmentSource } from './attachments/local-attachment-source'
import { attachmentPreview } from './attachments/attachment-preview'
import { sweepUnreferenced } from './attachments/sweep-unreferenced'
import { NO_UPLOADS_BUCKET } from './cloud/lambda-chat-backend'
import type { GenerationParameters } from '../shared/generation'
import { userMessage, type UserMessage } from '../shared/user-message'

export type AppEvents = { [E in EventChannel]: [EventContract[E]] }

export interface AppCoreOptions {
  userDataDir: string
  appVersion: string
  secrets: SecretCodec
  topicPrefix?: string
  clock?: Clock
  /** Starts the mode's runtime; local mode unless a caller (a test, cloud mode) supplies another. */
  startRuntime?: StartRuntime
  /** What only the shell can do (windows, clipboard); the browser harness supplies its own. */
  shell?: ShellActions
  /** The models offered for download; the curated catalog unless a test serves its own. */
  modelCatalog?: readonly CatalogModel[]
  /** The bundled embedded-model worker (`out/main/llama-cpp-worker.js`); from source, the host finds it itself. */
  llamaCppWorkerPath?: string
  /** Generation settings for embedded (GGUF) models; tests pin greedy decoding and one thread. */
  embeddedModels?: Omit<LlamaCppProviderOptions, 'host' | 'modelPath'> & { idleUnloadMs?: number }
}

/** Desktop actions the core's IPC channels delegate to the shell that hosts it. */
export interface ShellActions {
  /** Show the main window with this conversation open, and hide quick ask. */
  openInMain(conversationId: string): void
  /** Hide the window whose renderer asked (quick ask). */
  hideQuickAsk(): void
  readClipboardText(): string | Promise<string>
  /**
   * Asks the user, outside any page (a native dialog), to confirm that quick ask may fill its input from the
   * clipboard; true when they allowed it. Without it, prefilling cannot be switched on.
   */
  confirmClipboardPrefill?(): Promise<boolean>
  /** Asks the user for a GGUF file to add (a file dialog); undefined when they cancel. */
  pickModelFile?(): Promise<string | undefined>
  /**
   * Asks where to save a history export (a save dialog offering `fileName`); undefined when they cancel. Without
   * it (headless, the browser harness) exports go into the user-data folder's `exports`.
   */
  chooseExportPath?(fileName: string): Promise<string | undefined>
  /**
   * Makes this the quick-ask shortcut (the previous one is released), or throws with a message for the user when
   * the OS refuses it (another application holds it). Called before a new shortcut is saved, so a refused one never is.
   */
  registerQuickAskShortcut?(accelerator: string): void
}

const HEADLESS_SHELL: ShellActions = { openInMain: () => {}, hideQuickAsk: () => {}, readClipboardText: () => '' }

export interface AppCore {
  readonly router: IpcRouter
  readonly events: TypedEmitter<AppEvents>
  readonly chat: ChatService
  readonly diagnostics: DiagnosticsRecorder
  readonly settings: SettingsStore
  status(): AppStatus
  /** Tell the user something now (e.g. the OS refused the quick-ask shortcut). */
  notify(notice: Notice): void
  /**
   * Stops everything and closes the history. Resolves with what could not be saved (writes still failing, e.g. a
   * full disk), for the user in `language` (the UI's); undefined when everything was.
   */
  stop(language?: UiLanguage): Promise<string | undefined>
}

export async function startAppCore(options: AppCoreOptions): Promise<AppCore> {
  const clock = options.clock ?? systemClock
  const shell = options.shell ?? HEADLESS_SHELL
  // Conversations, settings, tokens and logs live here: no other account on the machine may read them.
  ensurePrivateDir(options.userDataDir)
  const log = new RotatingLog({ filePath: join(options.userDataDir, 'logs', 'streamdesk.log') })
  const diagnostics = new DiagnosticsRecorder(
    (line) => log.write(line),
    // Cloud models run behind the backend: their hosts are not the app's to know.
    (modelId) => (settings.mode === 'local' ? serverHost(settings.resolve(modelId)) : undefined),
  )
  const events = new TypedEmitter<AppEvents>((error) => diagnostics.error(`event listener failed: ${String(error)}`))
  const notify = (notice: Notice) => events.emit('app:notice', notice)
  const settings = await SettingsStore.open(join(options.userDataDir, 'settings.json'), options.secrets)
  const history = await openHistory(join(options.userDataDir, 'history.sqlite'), clock)
  const attachmentStore = new AttachmentStore(join(options.userDataDir, 'attachments'))
  const attachments = new AttachmentCatalog(attachmentStore)
  const swept = sweepUnreferenced(attachmentStore, history.store.referencedAttachmentFiles(), (id) =>
    attachments.holds(id),
  ).catch((error: unknown) => diagnostics.error(`attachments sweep: ${errorMessage(error)}`))
  const historyChanged = () => events.emit('history:changed', undefined)
  const writer = new AnswerWriter({
    sink: history.store,
    clock,
    onError: (problem) => {
      diagnostics.error(problem.message)
      const reason = writeFailureOf(problem.error)
      // An error of no known kind: its own text (SQLite's, the OS's) is what the user can go on.
      const message = reason
        ? userMessage('history:save-failed', { reason })
        : userMessage('history:save-failed', {}, errorMessage(problem.error))
      notify({ level: 'error', message })
    },
    onRecovered: () => notify({ level: 'info', message: userMessage('history:saving-again', {}) }),
    onAnswerGone: (gone) => reportGoneAnswer(history.store, gone, diagnostics),
  })
  history.store.watchPendingChanges({
    kept: (message) => notify({ level: 'warning', message }),
    saved: (written) => {
      diagnostics.note(`history: ${written} change(s) kept while the disk was full are saved`)
      notify({ level: 'info', message: userMessage('history:saving-again', {}) })
      historyChanged()
    },
    failed: ({ english, message }) => {
      diagnostics.error(english)
      notify({ level: 'error', message })
      historyChanged()
    },
  })
  // One store for the account and cloud mode: each caches the file, and a credential may live in its memory only.
  const cloudSession = new FileTokenStore(join(options.userDataDir, 'cloud-session.json'), options.secrets)
  const account = new CloudAccount({
    settings,
    store: cloudSession,
    clock,
  })
  await account.restore()

  // Embedded GGUF models run in one worker thread, started on the first answer and stopped when idle.
  const { idleUnloadMs, ...generation } = options.embeddedModels ?? {}
  const llamaHost = new LlamaCppHost({
    ...(options.llamaCppWorkerPath ? { workerPath: options.llamaCppWorkerPath } : {}),
    ...(idleUnloadMs !== undefined ? { idleUnloadMs } : {}),
    onLog: (level, message) =>
      level === 'error'
        ? diagnostics.error(`embedded model: ${message}`)
        : diagnostics.note(`embedded model: ${message}`),
  })
  const localModels: ModelResolver = {
    resolve(modelId) {
      const model = settings.resolve(modelId)
      if (model?.provider === 'gguf') {
        return createLlamaCppProvider({
          ...generation,
          host: llamaHost,
          modelPath: join(modelsDirectory(options.userDataDir), model.file),
        })
      }
      return model && createOpenAiCompatibleProvider(model)
    },
  }
  const runtimeContext = (topicPrefix: string) => ({
    topicPrefix,
    models: localModels,
    attachments: new LocalAttachmentSource(attachmentStore),
    readAttachment: (id: string) => attachmentStore.read(id),
    onBackendFailure: (streamId: string, error: unknown) =>
      diagnostics.error(`backend failed on ${streamId}: ${errorMessage(error)}`),
    onBrokerRefusal: (reason: string) => diagnostics.reject(`broker-${reason}`),
  })
  const startMode = async (): Promise<ModeStart> => {
    if (options.startRuntime) {
      const topicPrefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX
      const runtime = await options.startRuntime(runtimeContext(topicPrefix))
      return { mode: runtime.mode, topicPrefix, runtime }
    }
    const config = settings.cloudConfig
    if (settings.mode === 'local' || !config) {
      return {
        mode: 'local',
        topicPrefix: DEFAULT_TOPIC_PREFIX,
        runtime: await startLocalMode(runtimeContext(DEFAULT_TOPIC_PREFIX)),
      }
    }
    const auth = account.auth
    if (!auth?.state.signedIn)
      return { mode: 'cloud', topicPrefix: config.topicPrefix, unavailable: 'Sign in to use cloud mode.' }
    const runtime = await startCloudMode(runtimeContext(config.topicPrefix), {
      config,
      auth,
      store: cloudSession,
      proxy: account.proxy,
      clock,
      onCredentialsError: (error) =>
        notify({ level: 'error', message: userMessage('cloud:credentials-failed', {}, error.message) }),
    })
    return { mode: 'cloud', topicPrefix: config.topicPrefix, runtime }
  }

  const modes = new ModeManager({
    startMode,
    conversations: new StoredConversations(history.store, writer, historyChanged),
    modelLabel: (modelId) => settings.modelLabel(modelId),
    parametersFor: (modelId) => settings.parametersFor(modelId),
    attachments: {
      refs: (ids, sentBefore) => {
        // Cloud mode uploads them to the stack's bucket, which a stack deployed before it lacks: refused, not dropped.
        if (settings.mode === 'cloud' && ids.length > 0 && !settings.cloudConfig?.uploadBucket)
          throw new Error(NO_UPLOADS_BUCKET)
        return attachments.refs(ids, sentBefore)
      },
      sent: (ids) => attachments.forget(ids),
      readerOf: (modelId) => ({
        modelId,
        inputs: settings.inputsFor(modelId),
        maxImages: (settings.mode === 'cloud' ? BEDROCK_IMAGE_LIMITS : OPENAI_COMPATIBLE_IMAGE_LIMITS).maxImages,
      }),
    },
    priceFor: (modelId) => settings.priceFor(modelId),
    defaultSystemPrompt: () => settings.generation.systemPrompt,
    emitUpdates: (updates) => events.emit('chat:updates', updates),
    onConnection: (state) => {
      diagnostics.connection(state)
      events.emit('connection:changed', state)
    },
    diagnostics,
    clock,
  })
  await modes.restart()
  const modelFiles = new ModelManager({
    directory: modelsDirectory(options.userDataDir),
    downloader: new ModelDownloader({ agentFor: downloadAgentFor(() => settings.proxyUrl) }),
    ...(options.modelCatalog ? { catalog: options.modelCatalog } : {}),
    ...modelFileSettingsHooks(settings, (view) => events.emit('settings:changed', view)),
    onDownloadState: (state) => events.emit('model-files:download', state),
    onChanged: (view) => events.emit('model-files:changed', view),
    onError: (message) => diagnostics.error(message),
  })
  await modelFiles.restorePartials()
  account.on('change', (state) => {
    events.emit('auth:changed', state)
    if (settings.mode === 'cloud') void modes.restart()
  })
  const settingsChanged = (view: PublicSettings) => (events.emit('settings:changed', view), view)
  const maintenance = history.startMaintenance({ clock, notify })

  // A cloud backend deployed before this app's protocol: at start-up (notices) and when cloud mode or a config is chosen.
  const cloudProtocolNotice = () =>
    settings.mode === 'cloud' && settings.cloudConfig ? protocolNoticeOf(settings.cloudConfig.protocols) : undefined
  const warnOfCloudProtocol = () => {
    const notice = cloudProtocolNotice()
    if (notice) notify({ level: 'warning', message: notice })
  }
  const status = (): AppStatus => {
    const protocol = cloudProtocolNotice()
    return {
      version: options.appVersion,
      connection: modes.connection,
      userLabel: modes.userLabel,
      notices: [...settings.notices, ...history.notices, ...(protocol ? [protocol] : [])],
    }
  }

  const router = createIpcRouter({
    'app:get-status': status,
    'settings:get': () => settings.publicView(),
    'settings:save-model': (input) => settings.saveModel(input),
    'settings:remove-model': (modelId) => settings.removeModel(modelId),
    'settings:select-models': (modelIds) => settings.selectModels(modelIds),
    'settings:set-mode': async (mode) => {
      const view = await settings.setMode(mode)
      await modes.restart()
      events.emit('auth:changed', account.state())
      warnOfCloudProtocol()
      return settingsChanged(view)
    },
    'settings:set-cloud-config': async (json) => {
      const parsed = parseCloudConfig(json)
      if (!parsed.ok) {
        // Each problem names a field as the stack output does: the detail, in any language.
        const words = userMessage(
          'cloud:config-invalid',
          { output: CLOUD_CONFIG_OUTPUT_NAME },
          parsed.issues.join('; '),
        )
        throw new UserFacingError(parsed.message, words)
      }
      const view = await settings.setCloudConfig(parsed.config)
      events.emit('auth:changed', account.state())
      if (settings.mode === 'cloud') await modes.restart()
      warnOfCloudProtocol()
      return settingsChanged(view)
    },
    'settings:set-proxy': async (url) => {
      if (url !== null) parseProxyUrl(url)
      const view = await settings.setProxyUrl(url)
      if (settings.mode === 'cloud') await modes.restart()
      return settingsChanged(view)
    },
    'models:check': (modelIds) =>
      Promise.all(modelIds.map((id) => checkModel(settings, id, modelsDirectory(options.userDataDir)))),
    'models:discover': (request) => discoverModels(settings, request),
    'chat:send': (request) => modes.chat.send(request),
    'attachments:add': ({ name, bytes }) => attachments.add(name, bytes),
    'attachments:preview': (id, size) => attachmentPreview(attachmentStore, id, size),
    'chat:stop': (request) => modes.chat.stop(request),
    'chat:regenerate': (request) => modes.chat.regenerate(request),
    'chat:continue': (request) => modes.chat.continueAnswer(request),
    'diagnostics:get': () => {
      // Each stream names its conversation (an id only: the copied report holds no conversation text).
      const snapshot = diagnostics.snapshot(modes.chat.activeStreamCount)
      const streams = snapshot.streams.map((counts) => {
        const conversationId = history.store.conversationOfStream(counts.streamId)
        return conversationId ? { ...counts, conversationId } : counts
      })
      const unsavedHistoryChanges = history.store.pendingChangeCount
      return { ...snapshot, streams, ...(unsavedHistoryChanges > 0 ? { unsavedHistoryChanges } : {}) }
    },
    'cloud:usage': () => modes.usage(),
    ...historyHandlers(
      history.store,
      historyChanged,
      undefined,
      {
        status: (fileId) => attachmentStore.check(fileId),
        release: async (fileIds) => {
          for (const fileId of fileIds) if (!attachments.holds(fileId)) await attachmentStore.remove(fileId)
        },
        read: async (fileId) => {
          const stored = await attachmentStore.read(fileId)
          return stored.status === 'ok' ? stored.bytes : undefined
        },
        put: async (bytes) => void (await attachmentStore.put(bytes)),
      },
      async (fileName) => {
        if (shell.chooseExportPath) return shell.chooseExportPath(fileName)
        const folder = join(options.userDataDir, 'exports')
        ensurePrivateDir(folder)
        return join(folder, fileName)
      },
    ),
    ...account.handlers(),
    // The IoT connection goes first, so the app never holds a session for an account that signed out.
    'auth:sign-out': async () => {
      await modes.stop()
      await account.auth?.signOut()
    },
    'settings:set-preferences': async (changes) => {
      // Switching clipboard prefill on takes the user's click in a dialog no page can draw or press: a page that
      // script has taken over can send this call, but cannot make quick ask read the clipboard with it.
      if (changes.prefillFromClipboard === true && !settings.preferences.prefillFromClipboard) {
        const allowed = (await shell.confirmClipboardPrefill?.()) ?? false
        if (!allowed) throw new Error('Filling quick ask from the clipboard stays off: it was not confirmed.')
      }
      const previousShortcut = settings.preferences.quickAskShortcut
      const newShortcut = changes.quickAskShortcut
      if (newShortcut !== undefined && newShortcut !== previousShortcut) shell.registerQuickAskShortcut?.(newShortcut)
      try {
        return settingsChanged(await settings.setPreferences(changes))
      } catch (error) {
        // Not saved: the shortcut that is saved stays the one registered.
        if (newShortcut !== undefined && newShortcut !== previousShortcut)
          shell.registerQuickAskShortcut?.(previousShortcut)
        throw error
      }
    },
    'settings:set-parameters': async (parameters, modelId) =>
      settingsChanged(await settings.setParameters(parameters as GenerationParameters, modelId)),
    'settings:set-system-prompt': async (text) => settingsChanged(await settings.setDefaultSystemPrompt(text)),
    'settings:set-price': async (modelId, price) => settingsChanged(await settings.setPrice(modelId, price)),
    'settings:set-model-inputs': async (modelId, inputs) =>
      settingsChanged(await settings.setModelInputs(modelId, inputs)),
    'window:open-in-main': (conversationId) => shell.openInMain(conversationId),
    'window:hide': () => shell.hideQuickAsk(),
    'clipboard:read-text': async () =>
      settings.preferences.prefillFromClipboard ? (await shell.readClipboardText()).slice(0, 20_000) : '',
    'model-files:list': () => modelFiles.view(),
    'model-files:add-from-disk': async () => {
      if (!shell.pickModelFile) throw new Error('Adding a model file needs the desktop app.')
      const path = await shell.pickModelFile()
      if (path) await modelFiles.addFromDisk(path)
      return modelFiles.view()
    },
    'model-files:delete': async (fileName) => (await modelFiles.delete(fileName), modelFiles.view()),
    'model-files:download': async (catalogId, downloadOptions) => (
      await modelFiles.download(catalogId, downloadOptions),
      modelFiles.view()
    ),
    'model-files:cancel-download': async (catalogId) => (await modelFiles.cancel(catalogId), modelFiles.view()),
    'model-files:discard-download': async (catalogId) => (await modelFiles.discard(catalogId), modelFiles.view()),
  })

  return {
    router,
    events,
    get chat() {
      return modes.chat
    },
    diagnostics,
    settings,
    status,
    notify,
    async stop(language) {
      maintenance.stop()
      await swept
      await modelFiles.stop()
      await modes.stop()
      await llamaHost.dispose()
      // Writes that still fail now (a full disk) lose what they hold: the log and the user are told which and how much.
      const unsaved = closeHistory(history.store, writer, language)
      for (const line of unsaved?.logLines ?? []) diagnostics.error(line)
      events.removeAllListeners()
      return unsaved?.message
    },
  }
}

async function checkModel(settings: SettingsStore, modelId: string, modelsDir: string): Promise<ModelCheck> {
  const model = settings.resolve(modelId)
  if (!model) return { modelId, reachable: false, message: userMessage('model:not-configured', { modelId }) }
  if (model.provider === 'gguf') {
    // An embedded model is there when its file is: nothing is loaded to check it.
    return readInstalledModel(join(modelsDir, model.file), model.file).then(
      (installed) => ({
        modelId,
        reachable: true,
        message: userMessage('model:file-ready', {
          file: installed.fileName,
          ...(installed.quantization ? { quantization: installed.quantization } : {}),
        }),
      }),
      (error: unknown) => ({
        modelId,
        reachable: false,
        message: userMessage('model:file-unusable', { file: model.file }, errorMessage(error)),
      }),
    )
  }
  const result = await probeOpenAiCompatible(model)
  return { modelId, ...result }
}

/** The notice for a cloud backend older (or newer) than this app's protocol; undefined when they match. */
function protocolNoticeOf(protocols: readonly number[] | undefined): UserMessage | undefined {
  if (protocolNotice(protocols) === undefined) return undefined
  const backendOlder = Math.max(...servedProtocols(protocols)) < LATEST_PROTOCOL_VERSION
  return userMessage(backendOlder ? 'cloud:backend-older' : 'cloud:app-older', {})
}

/** The host a model column's server runs on, for the diagnostics log (an embedded model has none). */
function serverHost(model: ResolvedModel | ResolvedGgufModel | undefined): string | undefined {
  if (model?.provider !== 'openai-compatible') return undefined
  try {
    return new URL(model.baseUrl).host
  } catch {
    return undefined
  }
}
