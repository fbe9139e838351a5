/**
 * A mode runtime whose two MQTT connections go to different places, for fault tests: the app's session connects
 * to one host/port (a fault proxy, or a broker across a veth pair) while the backend publishes to the broker
 * directly, as the cloud side would. Mirrors `connectBrokerRuntime` (same session class, same connection config,
 * same `LocalChatBackend`); only the endpoints differ. The app's connection settings (keep-alive, reconnect
 * back-off, persistent session) are the app's own defaults from `plainBrokerConnectionConfig`.
 */
import type { Publisher } from '../../src-main/backend/publisher'
import type { ChatBackend } from '../../src-main/core/chat/chat-service'
import { plainBrokerConnectionConfig, type PlainBrokerEndpoint } from '../../src-main/core/mqtt/connection-config'
import { LocalChatBackend } from '../../src-main/core/local-mode/local-chat-backend'
import type { ModeRuntime, RuntimeContext, StartRuntime } from '../../src-main/core/mode-runtime'
import { MqttSession } from '../../src-main/core/mqtt/mqtt-session'

export interface Endpoint {
  host: string
  port: number
}

/** Makes the runtime's backend; `close` runs when the runtime closes. */
export type BackendFactory = (context: RuntimeContext) => Promise<{ backend: ChatBackend; close(): Promise<void> }>

export interface SplitRuntimeOptions {
  /** Where the app's session connects. */
  app: Endpoint
  backend: BackendFactory
  userId?: string
  /** The app's MQTT client id (the persistent session's key); random by default. */
  appClientId?: string
  /**
   * Overrides of the app's connection settings, to try a proposed value (e.g. a shorter keep-alive). The fault
   * tests leave this out: they check the settings the app ships with.
   */
  appConnection?: Pick<PlainBrokerEndpoint, 'keepAliveSec'>
  /**
   * This installation's device id, as cloud mode has one: the app then follows the prompts other devices of the
   * user announce (a test asks them through the same backend, as the chat Lambda serves every device).
   */
  deviceId?: string
}

export interface SplitRuntime {
  startRuntime: StartRuntime
  /** Every runtime started so far (the core starts one; a mode restart would start another). */
  readonly runtimes: ModeRuntime[]
  /** The latest runtime's app session, to watch its status. */
  session(): MqttSession
}

const randomId = (prefix: string) => `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`

export function splitRuntime(options: SplitRuntimeOptions): SplitRuntime {
  const runtimes: ModeRuntime[] = []
  const startRuntime: StartRuntime = async (context) => {
    const { backend, close: closeBackend } = await options.backend(context)
    const clientId = options.appClientId ?? randomId('app')
    const { host, port } = options.app
    const session = new MqttSession({
      buildConfig: () => plainBrokerConnectionConfig({ ...options.appConnection, host, port, clientId }),
    })
    const runtime: ModeRuntime = {
      mode: 'local',
      userId: options.userId ?? 'tester',
      userLabel: 'Tester',
      ...(options.deviceId !== undefined ? { deviceId: options.deviceId } : {}),
      session,
      backend,
      async close() {
        await closeBackend()
        await session.close()
      },
    }
    runtimes.push(runtime)
    return runtime
  }
  return {
    startRuntime,
    runtimes,
    session() {
      const runtime = runtimes.at(-1)
      if (!runtime) throw new Error('no runtime started yet')
      return runtime.session
    },
  }
}

/** The chat handler in-process (as local mode runs it), publishing through its own session to `broker`. */
export function inProcessBackend(
  broker: Endpoint,
  decoratePublisher?: (publisher: Publisher) => Publisher,
): BackendFactory {
  return async (context) => {
    const clientId = randomId('backend')
    const session = new MqttSession({
      buildConfig: () => plainBrokerConnectionConfig({ host: broker.host, port: broker.port, clientId }),
    })
    await session.connect()
    const direct: Publisher = { publish: (topic, payload) => session.publish(topic, payload) }
    const backend = new LocalChatBackend({
      publisher: decoratePublisher?.(direct) ?? direct,
      models: context.models,
      topicPrefix: context.topicPrefix,
      ...(context.onBackendFailure ? { onFailure: context.onBackendFailure } : {}),
    })
    return {
      backend,
      async close() {
        await backend.close()
        await session.close()
      },
    }
  }
}
