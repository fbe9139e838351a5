/**
 * The embedded broker's access rules, tested with the real aws-crt client: a per-run secret, the app confined to
 * subscribing to its own user's streams, the backend confined to publishing them, everyone else refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MqttSession } from '../../../src-main/core/mqtt/mqtt-session'
import { plainBrokerConnectionConfig } from '../../../src-main/core/mqtt/connection-config'
import { startLocalBroker, type BrokerIdentity, type LocalBroker } from '../../../src-main/core/local-mode/local-broker'

let broker: LocalBroker
const sessions: MqttSession[] = []

function session(who: Partial<BrokerIdentity> & { clientId: string; cleanSession?: boolean }): MqttSession {
  const created = new MqttSession({
    connectAttempts: 1,
    buildConfig: () => plainBrokerConnectionConfig({ host: broker.host, port: broker.port, ...who }),
  })
  sessions.push(created)
  return created
}

beforeEach(async () => {
  broker = await startLocalBroker({ topicPrefix: 'streamdesk', userId: 'local' })
})
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()))
  await broker.close()
})

describe('embedded local broker', () => {
  it('listens on loopback only, with fresh secrets each run', async () => {
    expect(broker.host).toBe('127.0.0.1')
    const other = await startLocalBroker({ topicPrefix: 'streamdesk', userId: 'local' })
    try {
      expect(other.app.password).not.toBe(broker.app.password)
      expect(other.app.password.length).toBeGreaterThanOrEqual(40)
      expect(other.port).not.toBe(broker.port)
    } finally {
      await other.close()
    }
  })

  it('refuses a client without the secret, with a wrong one, or with another client id', async () => {
    await expect(session({ clientId: 'stranger' }).connect()).rejects.toThrow(/connect failed/)
    await expect(session({ ...broker.app, password: 'guess' }).connect()).rejects.toThrow(/connect failed/)
    await expect(session({ ...broker.app, clientId: 'impostor' }).connect()).rejects.toThrow(/connect failed/)
    expect(broker.refusals().connect).toBe(3)
  })

  it('lets the app subscribe to its own streams only, and the backend publish to them', async () => {
    const app = session(broker.app)
    const backend = session(broker.backend)
    await app.connect()
    await backend.connect()
    const received: string[] = []
    await app.subscribe('streamdesk/local/+', (topic, payload) =>
      received.push(`${topic} ${new TextDecoder().decode(payload)}`),
    )
    await expect(app.subscribe('streamdesk/other-user/+', () => {})).rejects.toThrow(/refused/)
    await expect(app.subscribe('#', () => {})).rejects.toThrow(/refused/)
    await expect(backend.subscribe('streamdesk/local/+', () => {})).rejects.toThrow(/refused/)
    await backend.publish('streamdesk/local/s1', 'hello')
    await expect.poll(() => received).toEqual(['streamdesk/local/s1 hello'])
    expect(broker.refusals().subscribe).toBe(3)
  })

  it("refuses publishes by the app and by the backend outside the user's stream topics", async () => {
    const app = session(broker.app)
    const backend = session(broker.backend)
    await app.connect()
    await backend.connect()
    // A refused QoS 1 publish makes aedes drop the connection (MQTT 3.1.1 has no refusal code, as with IoT Core),
    // and the client would resend it on reconnect: neither promise settles, so neither is awaited.
    void app.publish('streamdesk/local/forged', 'x').catch(() => {})
    void backend.publish('streamdesk/someone-else/s1', 'x').catch(() => {})
    await expect.poll(() => broker.refusals().publish).toBeGreaterThanOrEqual(2)
    await app.close()
    await backend.close()

    const freshApp = session({ ...broker.app, cleanSession: true })
    const freshBackend = session(broker.backend)
    await freshApp.connect()
    await freshBackend.connect()
    const received: string[] = []
    await freshApp.subscribe('streamdesk/local/+', (topic) => received.push(topic))
    await freshBackend.publish('streamdesk/local/ok', 'y')
    await expect.poll(() => received).toEqual(['streamdesk/local/ok'])
  })
})
