/**
 * Runs the current mode: its runtime (broker or IoT Core session, and the backend), the chat service bound to it,
 * and the connection state the renderer shows. Switching mode, signing in or out restarts it; history and
 * settings stay as they are.
 */
import type { AppMode, CloudUsageResult, ConnectionState, ConnectionStatus, StreamUpdate } from '../shared/ipc-contract'
import { userStreamsFilter } from '../protocol/stream-protocol'
import { userAnnouncementsFilter } from '../protocol/stream-announcement'
import type { Clock } from '../lib/clock'
import { ChatService, type ChatServiceOptions } from './chat/chat-service'
import type { ConversationLog } from './chat/conversation-log'
import type { DiagnosticsRecorder } from './diagnostics'
import type { ModeRuntime } from './mode-runtime'
import type { SessionStatus } from './mqtt/mqtt-session'
import { errorMessage } from '../lib/error-message'

/** What starting a mode gives: a runtime, or the plain-words reason there is none (e.g. "Sign in…"). */
export type ModeStart =
  | { mode: AppMode; topicPrefix: string; runtime: ModeRuntime }
  | { mode: AppMode; topicPrefix: string; unavailable: string }

export interface ModeManagerOptions {
  startMode: () => Promise<ModeStart>
  conversations: ConversationLog
  modelLabel: (modelId: string) => string | undefined
  parametersFor?: ChatServiceOptions['parametersFor']
  attachments?: ChatServiceOptions['attachments']
  defaultSystemPrompt?: ChatServiceOptions['defaultSystemPrompt']
  priceFor?: ChatServiceOptions['priceFor']
  emitUpdates: (updates: StreamUpdate[]) => void
  onConnection: (state: ConnectionState) => void
  diagnostics: DiagnosticsRecorder
  clock: Clock
}

const SESSION_TO_CONNECTION: Record<SessionStatus, ConnectionStatus> = {
  idle: 'connecting',
  connecting: 'connecting',
  connected: 'connected',
  interrupted: 'reconnecting',
  closed: 'offline',
  failed: 'failed',
}

interface RunningMode {
  chat: ChatService
  runtime?: ModeRuntime
  connection: ConnectionState
  /** Set once the session is subscribed: only then may queued prompts go out. */
  subscribed: boolean
  /** Cloud mode: the other devices' prompts were caught up with at this connection (see `update`). */
  caughtUp?: boolean
}

export class ModeManager {
  private running: RunningMode
  private transition: Promise<void> = Promise.resolve()

  constructor(private readonly options: ModeManagerOptions) {
    this.running = this.idle('local', 'Starting…')
  }

  get chat(): ChatService {
    return this.running.chat
  }

  get connection(): ConnectionState {
    return this.running.connection
  }

  get userLabel(): string {
    return (
      this.running.runtime?.userLabel ?? (this.running.connection.mode === 'cloud' ? 'Not signed in' : 'Local user')
    )
  }

  /** The signed-in cloud user's usage and limits; in local mode, or signed out, why there are none. */
  usage(): Promise<CloudUsageResult> {
    const usage = this.running.runtime?.usage
    if (usage) return usage()
    return Promise.resolve({ ok: false, reason: 'not-cloud', message: 'Sign in to cloud mode to see your usage.' })
  }

  /** Stops the current mode (if any) and starts the one the settings and account call for. */
  restart(): Promise<void> {
    this.transition = this.transition.then(async () => {
      await this.shutdown()
      await this.launch()
    })
    return this.transition
  }

  stop(): Promise<void> {
    this.transition = this.transition.then(() => this.shutdown())
    return this.transition
  }

  private async launch(): Promise<void> {
    let start: ModeStart
    try {
      start = await this.options.startMode()
    } catch (error) {
      const detail = `Could not start: ${errorMessage(error)}`
      this.options.diagnostics.error(detail)
      this.running = this.idle(this.running.connection.mode, detail, 'failed')
      return this.options.onConnection(this.running.connection)
    }
    if ('unavailable' in start) {
      this.running = this.idle(start.mode, start.unavailable)
      return this.options.onConnection(this.running.connection)
    }
    const { runtime, topicPrefix } = start
    const running: RunningMode = {
      runtime,
      chat: this.chatFor(runtime.userId, topicPrefix, runtime.backend, runtime.recovery, runtime.deviceId),
      connection: { mode: runtime.mode, status: 'connecting', since: this.options.clock.now() },
      subscribed: false,
    }
    this.running = running
    this.options.onConnection(running.connection)
    const update = (status: ConnectionStatus, detail?: string) => {
      if (this.running !== running) return
      const online = running.subscribed && status === 'connected'
      const cameOnline = online && !(running.connection.status === 'connected' && running.caughtUp)
      running.connection = {
        mode: runtime.mode,
        status,
        since: this.options.clock.now(),
        ...(detail ? { detail } : {}),
      }
      this.options.onConnection(running.connection)
      void running.chat.setOnline(online)
      // Cloud mode: at the first connect and after every reconnect, what the user's other devices asked meanwhile
      // (a laptop asleep past IoT Core's session expiry lost their announcements); never holds up the connection.
      if (cameOnline && runtime.deviceId !== undefined) {
        running.caughtUp = true
        void running.chat.catchUp()
      }
    }
    runtime.session.on('status', (status, detail) => update(SESSION_TO_CONNECTION[status], detail))
    try {
      // Before connecting: the persistent session delivers chunks queued for answers cut off by the last exit.
      await running.chat.resumeOpenStreams()
      // Subscribed before connecting, so chunks the broker queued for the session reach the chat at once.
      await runtime.session.subscribe(userStreamsFilter(topicPrefix, runtime.userId), (topic, payload) =>
        running.chat.receive(topic, payload),
      )
      // Cloud mode: prompts asked on the user's other devices stream here too.
      if (runtime.deviceId !== undefined) {
        await runtime.session.subscribe(userAnnouncementsFilter(topicPrefix, runtime.userId), (topic, payload) =>
          running.chat.receiveAnnouncement(topic, payload),
        )
      }
      await runtime.session.connect()
      running.subscribed = true
      update(SESSION_TO_CONNECTION[runtime.session.status])
    } catch (error) {
      this.options.diagnostics.error(errorMessage(error))
      update('failed', errorMessage(error))
    }
  }

  private async shutdown(): Promise<void> {
    const { chat, runtime } = this.running
    chat.dispose()
    if (runtime) {
      this.running = this.idle(runtime.mode, 'Stopped.')
      await runtime.close()
    }
  }

  /** A mode without a runtime: prompts queue (shown as waiting) until one starts. */
  private idle(mode: AppMode, detail: string, status: ConnectionStatus = 'offline'): RunningMode {
    const backend = { start: () => Promise.reject(new Error(detail)), stop: () => Promise.resolve() }
    return {
      chat: this.chatFor('nobody', 'streamdesk', backend),
      connection: { mode, status, detail, since: this.options.clock.now() },
      subscribed: false,
    }
  }

  private chatFor(
    userId: string,
    topicPrefix: string,
    backend: ModeRuntime['backend'],
    recovery?: ModeRuntime['recovery'],
    deviceId?: string,
  ): ChatService {
    const { conversations, modelLabel, emitUpdates, diagnostics, clock, parametersFor, defaultSystemPrompt, priceFor } =
      this.options
    const { attachments } = this.options
    return new ChatService({
      ...(attachments ? { attachments } : {}),
      ...(parametersFor ? { parametersFor } : {}),
      ...(defaultSystemPrompt ? { defaultSystemPrompt } : {}),
      ...(priceFor ? { priceFor } : {}),
      userId,
      topicPrefix,
      backend,
      conversations,
      modelLabel,
      online: false,
      emitUpdates,
      diagnostics,
      clock,
      ...(recovery ? { recovery } : {}),
      ...(deviceId !== undefined ? { deviceId } : {}),
    })
  }
}
