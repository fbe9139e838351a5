import type { Publisher } from '../../backend/publisher'
import { MqttSession } from '../mqtt/mqtt-session'
import { plainBrokerConnectionConfig, type PlainBrokerEndpoint } from '../mqtt/connection-config'
import type { ModeRuntime, RuntimeContext } from '../mode-runtime'
import { LocalChatBackend } from './local-chat-backend'

export interface BrokerRuntimeOptions {
  host: string
  port: number
  userId: string
  userLabel: string
  /** The app's connection (subscribes to the user's streams) and the in-process backend's (publishes them). */
  app: Omit<PlainBrokerEndpoint, 'host' | 'port'>
  backend: Omit<PlainBrokerEndpoint, 'host' | 'port'>
  /** Wraps the backend's publisher, e.g. to inject faults in tests or to measure. */
  decoratePublisher?: (publisher: Publisher) => Publisher
  /** Runs after both connections are closed (e.g. stops the embedded broker). */
  onClose?: () => Promise<void>
}

/**
 * The in-process backend and the app's session on one MQTT broker reachable over plain TCP: the embedded broker
 * in local mode, or any other (Mosquitto in the tests). The backend connects now; the app's session is returned
 * unconnected for the core to connect and subscribe.
 */
export async function connectBrokerRuntime(
  context: RuntimeContext,
  options: BrokerRuntimeOptions,
): Promise<ModeRuntime> {
  const sessionFor = (who: BrokerRuntimeOptions['app']) =>
    new MqttSession({
      buildConfig: () => plainBrokerConnectionConfig({ host: options.host, port: options.port, ...who }),
    })
  const backendSession = sessionFor(options.backend)
  await backendSession.connect()
  const direct: Publisher = { publish: (topic, payload) => backendSession.publish(topic, payload) }
  const backend = new LocalChatBackend({
    publisher: options.decoratePublisher?.(direct) ?? direct,
    models: context.models,
    topicPrefix: context.topicPrefix,
    ...(context.attachments ? { attachments: context.attachments } : {}),
    ...(context.onBackendFailure ? { onFailure: context.onBackendFailure } : {}),
  })
  const session = sessionFor(options.app)
  return {
    mode: 'local',
    userId: options.userId,
    userLabel: options.userLabel,
    session,
    backend,
    async close() {
      await backend.close()
      await session.close()
      await backendSession.close()
      await options.onClose?.()
    },
  }
}
