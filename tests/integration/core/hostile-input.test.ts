/**
 * A third-party MQTT client publishes garbage onto the user's own topics while a real answer streams. Nothing
 * it sends may crash the core or change the live stream's text; each kind is counted in diagnostics.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { MqttSession } from '../../../src-main/core/mqtt/mqtt-session'
import { plainBrokerConnectionConfig } from '../../../src-main/core/mqtt/connection-config'
import { encodeChunk, streamTopic } from '../../../src-main/protocol/stream-protocol'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { startTestCore } from '../../support/test-core'
import { scriptedModels } from '../../support/scripted-provider'

let mosquitto: Mosquitto
beforeAll(async () => {
  mosquitto = await startMosquitto()
})
afterAll(async () => {
  await mosquitto?.stop()
})

describe("hostile publishers on the user's topics", () => {
  it('are dropped and counted by kind while a live stream completes intact', async () => {
    const deltas = Array.from({ length: 300 }, (_, i) => `word${i} `)
    const scripts = { live: { deltas, intervalMs: 5 }, quick: { deltas: ['done'] } }
    const t = await startTestCore({ broker: mosquitto, modelIds: ['live', 'quick'], models: scriptedModels(scripts) })
    const attacker = new MqttSession({
      buildConfig: () =>
        plainBrokerConnectionConfig({ host: mosquitto.host, port: mosquitto.port, clientId: 'attacker' }),
    })
    await attacker.connect()
    try {
      const old = (await t.invoke('chat:send', [{ prompt: 'earlier', modelIds: ['quick'] }])) as { streamId: string }
      await t.finished(old.streamId, ['quick'])
      const { streamId } = (await t.invoke('chat:send', [{ prompt: 'go', modelIds: ['live'] }])) as { streamId: string }
      const mine = (stream: string) => streamTopic('streamdesk', 'tester', stream)
      const valid = { v: 1 as const, streamId, modelId: 'live', text: 'INJECTED' }
      const attacks: Array<[string, string | Uint8Array]> = [
        [mine(streamId), new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 7919) % 256))],
        [mine(streamId), JSON.stringify({ ...valid, seq: 'zero' })],
        [mine(streamId), JSON.stringify({ ...valid, seq: 1e12 })],
        [mine(streamId), JSON.stringify({ ...valid, v: 99, seq: 0 })],
        [mine(streamId), new Uint8Array(5 * 1024 * 1024).fill(0x41)],
        [mine(streamId), encodeChunk({ ...valid, modelId: 'someone-else', seq: 0 })],
        [mine('unknown-stream'), encodeChunk({ ...valid, streamId: 'unknown-stream', seq: 0 })],
        [mine(streamId), encodeChunk({ ...valid, streamId: 'other-stream', seq: 0 })],
        [mine(old.streamId), encodeChunk({ ...valid, streamId: old.streamId, modelId: 'quick', seq: 0 })],
        [streamTopic('streamdesk', 'another-user', streamId), encodeChunk({ ...valid, seq: 0 })],
        [mine(streamId), encodeChunk({ ...valid, seq: 100_000 })],
      ]
      for (const [topic, payload] of attacks) await attacker.publish(topic, payload)

      const result = await t.finished(streamId, ['live'])
      expect(result.live).toMatchObject({ text: deltas.join(''), status: 'complete' })
      type Counters = { rejected: Record<string, number>; duplicatesDropped: number }
      const counters = async () => (await t.invoke('diagnostics:get', [])) as Counters
      const rejectedTotal = (d: Counters) => Object.values(d.rejected).reduce((a, b) => a + b, 0)
      await vi.waitFor(async () => expect(rejectedTotal(await counters())).toBeGreaterThanOrEqual(9), {
        timeout: 10_000,
      })
      const diagnostics = await counters()
      expect(diagnostics.rejected).toMatchObject({
        'not-json': 1,
        'invalid-schema': 2,
        'unsupported-version': 1,
        oversized: 1,
        'unknown-model': 1,
        'unknown-stream': 1,
        'foreign-topic': 1,
        'out-of-window': 1,
      })
      // The replayed chunk of a finished stream counts as a duplicate; the other user's topic never arrives.
      expect(diagnostics.duplicatesDropped).toBeGreaterThanOrEqual(1)
      expect(rejectedTotal(diagnostics)).toBe(9)
    } finally {
      await attacker.close()
      await t.stop()
    }
  })
})
