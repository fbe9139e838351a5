/**
 * MqttSession against a real Mosquitto: what a persistent session queued while the app was away reaches a handler
 * registered before `connect()`, because the broker sends it right after CONNACK.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plainBrokerConnectionConfig } from '../../../src-main/core/mqtt/connection-config'
import { MqttSession } from '../../../src-main/core/mqtt/mqtt-session'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'

let mosquitto: Mosquitto
beforeAll(async () => {
  mosquitto = await startMosquitto()
})
afterAll(async () => {
  await mosquitto?.stop()
})

const sessionFor = (clientId: string) =>
  new MqttSession({
    buildConfig: () => plainBrokerConnectionConfig({ host: mosquitto.host, port: mosquitto.port, clientId }),
  })

describe('MqttSession with a persistent session', () => {
  it('delivers every message queued while away to a handler subscribed before connecting', async () => {
    const clientId = `app-${randomUUID()}`
    const filter = `sd/${clientId}/+`
    const first = sessionFor(clientId)
    await first.subscribe(filter, () => undefined)
    await first.connect()
    await first.close() // the broker keeps the session and its subscription

    const publisher = sessionFor(`backend-${randomUUID()}`)
    await publisher.connect()
    const sent = Array.from({ length: 200 }, (_, i) => `chunk ${i}`)
    await Promise.all(sent.map((text) => publisher.publish(`${filter.slice(0, -1)}stream`, text)))
    await publisher.close()

    const second = sessionFor(clientId)
    const received: string[] = []
    await second.subscribe(filter, (_topic, payload) => received.push(new TextDecoder().decode(payload)))
    await second.connect()
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(sent.length)
    expect([...received].sort()).toEqual([...sent].sort())
    await second.close()
  })
})
