/**
 * The two real brokers the pipeline integration tests run against, each with one app and one backend identity:
 * the embedded aedes broker (as local mode ships it, with its access rules) and Mosquitto. Use as
 * `describe.each(brokerPairs(prefix, userId, () => mosquitto))`, and `sessionPool()` for the MQTT sessions a test
 * opens (closed after each test).
 */
import { startLocalBroker } from '../../src-main/core/local-mode/local-broker'
import { plainBrokerConnectionConfig, type PlainBrokerEndpoint } from '../../src-main/core/mqtt/connection-config'
import { MqttSession } from '../../src-main/core/mqtt/mqtt-session'
import type { Mosquitto } from './mosquitto'

export interface BrokerPair {
  host: string
  port: number
  app: Omit<PlainBrokerEndpoint, 'host' | 'port'>
  backend: Omit<PlainBrokerEndpoint, 'host' | 'port'>
  close(): Promise<void>
}

const uniqueId = (role: string) => `${role}-${Math.random().toString(36).slice(2)}`

export function brokerPairs(
  topicPrefix: string,
  userId: string,
  mosquitto: () => Mosquitto,
): Array<[name: string, start: () => Promise<BrokerPair>]> {
  return [
    [
      'the embedded broker',
      async () => {
        const broker = await startLocalBroker({ topicPrefix, userId })
        return { ...broker, close: () => broker.close() }
      },
    ],
    [
      'Mosquitto',
      async () => ({
        host: mosquitto().host,
        port: mosquitto().port,
        app: { clientId: uniqueId('app'), cleanSession: true },
        backend: { clientId: uniqueId('backend'), cleanSession: true },
        close: async () => {},
      }),
    ],
  ]
}

/** Sessions opened by a test, as one identity of a broker pair; `closeAll` in afterEach. */
export function sessionPool() {
  const sessions: MqttSession[] = []
  return {
    connect(broker: BrokerPair, who: BrokerPair['app']): MqttSession {
      const session = new MqttSession({
        buildConfig: () => plainBrokerConnectionConfig({ host: broker.host, port: broker.port, ...who }),
      })
      sessions.push(session)
      return session
    },
    closeAll: () => Promise.all(sessions.splice(0).map((s) => s.close())),
  }
}
