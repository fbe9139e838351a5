/**
 * Mosquitto with persistence on is restarted (SIGTERM, then started again on the same port with the same
 * persistence directory) while two models stream. Both MQTT connections drop: the app's (a persistent session,
 * clean session off, subscribed at QoS 1) and the backend's (publishing QoS 1). The broker keeps the app's session
 * and the chunks queued for it across the restart; aws-crt keeps the backend's unacknowledged publishes and sends
 * them again after its reconnect, so the chunk sequencer's own retries (3 attempts, 100 ms back-off) are not
 * needed: every column must still end 'complete' with exactly the model's text, and nothing may be given up.
 */
import { rm } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { afterAll, describe, expect, it, vi } from 'vitest'
import type { ModelStreamSummary } from '../../../src-main/backend/chat-handler'
import type { Publisher } from '../../../src-main/backend/publisher'
import { RECONNECT_MAX_SEC } from '../../../src-main/core/mqtt/connection-config'
import { answerDeltas } from '../../support/answer-text'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { startRuntimeCore } from '../../support/runtime-core'
import { scriptedModels, type Script } from '../../support/scripted-provider'
import { watchSession } from '../../support/session-watch'
import { splitRuntime, type BackendFactory } from '../../support/split-runtime'
import { LocalChatBackend } from '../../../src-main/core/local-mode/local-chat-backend'
import { MqttSession } from '../../../src-main/core/mqtt/mqtt-session'
import { plainBrokerConnectionConfig } from '../../../src-main/core/mqtt/connection-config'
import { makeTempDir } from '../../support/temp-dir'

const MODEL_IDS = ['alpha', 'beta']
const scripts: Record<string, Script> = {
  alpha: { deltas: answerDeltas('alpha', 140), intervalMs: 50 },
  beta: { deltas: answerDeltas('beta', 100), intervalMs: 70 },
}
const expected = Object.fromEntries(Object.entries(scripts).map(([id, s]) => [id, s.deltas.join('')]))

let mosquitto: Mosquitto | undefined
const dirs: string[] = []

afterAll(async () => {
  await mosquitto?.stop()
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

/**
 * The backend's session on the broker, keeping every summary and counting publishes that were given up.
 * `connectionless`: a publish while the session is not connected fails at once instead of waiting in aws-crt's
 * queue, as a publish over HTTPS (the chat Lambda's IoT data-plane publisher) fails while its endpoint is down.
 */
function observedBackend(endpoint: { host: string; port: number }, connectionless = false) {
  const summaries: ModelStreamSummary[] = []
  const publishFailures: Array<{ error: string; at: number }> = []
  const factory: BackendFactory = async (context) => {
    const clientId = `backend-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
    const session = new MqttSession({ buildConfig: () => plainBrokerConnectionConfig({ ...endpoint, clientId }) })
    await session.connect()
    const publisher: Publisher = {
      publish: (topic, payload) =>
        (connectionless && session.status !== 'connected'
          ? Promise.reject(new Error(`broker unreachable (${session.status})`))
          : session.publish(topic, payload)
        ).catch((error: unknown) => {
          publishFailures.push({ error: String(error), at: performance.now() })
          throw error
        }),
    }
    const backend = new LocalChatBackend({
      publisher,
      models: context.models,
      topicPrefix: context.topicPrefix,
      onSettled: (_streamId, s) => summaries.push(...s),
    })
    return { backend, close: async () => (await backend.close(), await session.close()) }
  }
  return { factory, summaries, publishFailures }
}

describe('a broker restart mid-stream (Mosquitto, persistence on)', () => {
  it.each([
    ['at once', 0],
    ['after 3 s down', 3_000],
  ])('loses nothing when the broker restarts %s', async (_name, downMs) => {
    const persistenceDir = await makeTempDir('mosquitto-db')
    dirs.push(persistenceDir)
    mosquitto = await startMosquitto({ persistenceDir })
    const endpoint = { host: mosquitto.host, port: mosquitto.port }
    const backend = observedBackend(endpoint)
    const split = splitRuntime({ app: endpoint, backend: backend.factory, appClientId: `app-${process.pid}-${downMs}` })
    const t = await startRuntimeCore({
      startRuntime: split.startRuntime,
      modelIds: MODEL_IDS,
      models: scriptedModels(scripts),
    })
    try {
      const app = watchSession(split.session())
      const { streamId } = await t.send('restart', MODEL_IDS)
      await t.received(streamId, 300)

      const stoppedAt = performance.now()
      await mosquitto.stop()
      await new Promise((resolve) => setTimeout(resolve, downMs))
      mosquitto = await startMosquitto({ persistenceDir, port: endpoint.port })
      const restartedAt = performance.now()
      const reconnected = await app.next('connected', stoppedAt, RECONNECT_MAX_SEC * 1000)
      console.info(
        `broker restart (${downMs} ms down): broker back after ${Math.round(restartedAt - stoppedAt)} ms, ` +
          `app connected after ${Math.round(reconnected.at - stoppedAt)} ms`,
      )

      const result = await t.finished(streamId, MODEL_IDS, 30_000)
      for (const id of MODEL_IDS) {
        expect(result[id]!.error, id).toBeUndefined()
        expect(result[id]!.status, id).toBe('complete')
        expect(result[id]!.text === expected[id], `${id}: text differs from the model's`).toBe(true)
      }
      const diagnostics = await t.diagnostics()
      expect(diagnostics.rejected).toEqual({})
      expect(diagnostics.activeStreams).toBe(0)
      // The backend gave nothing up: no publish failed for good, every model sent its final chunk.
      expect(backend.publishFailures).toEqual([])
      expect(backend.summaries.map((s) => [s.modelId, s.status, s.failedPublishes]).sort()).toEqual([
        ['alpha', 'complete', 0],
        ['beta', 'complete', 0],
      ])
      expect(app.events.map((e) => e.status)).toContain('interrupted')
    } finally {
      await t.stop()
      await mosquitto.stop()
      mosquitto = undefined
    }
  })

  it('loses nothing when publishes fail fast while the broker is down for 3 s (a connectionless publisher)', async () => {
    const persistenceDir = await makeTempDir('mosquitto-db')
    dirs.push(persistenceDir)
    mosquitto = await startMosquitto({ persistenceDir })
    const endpoint = { host: mosquitto.host, port: mosquitto.port }
    const backend = observedBackend(endpoint, true)
    const split = splitRuntime({
      app: endpoint,
      backend: backend.factory,
      appClientId: `app-${process.pid}-connectionless`,
    })
    const t = await startRuntimeCore({
      startRuntime: split.startRuntime,
      modelIds: MODEL_IDS,
      models: scriptedModels(scripts),
    })
    try {
      const { streamId } = await t.send('restart', MODEL_IDS)
      await t.received(streamId, 300)
      const stoppedAt = performance.now()
      await mosquitto.stop()
      await new Promise((resolve) => setTimeout(resolve, 3_000))
      mosquitto = await startMosquitto({ persistenceDir, port: endpoint.port })
      const restartedAt = performance.now()
      // The models finish ~7 s after the prompt whatever happens to the link; then the handler settles.
      await vi.waitFor(() => expect(backend.summaries).toHaveLength(2), { timeout: 20_000, interval: 100 })
      const given = backend.summaries.reduce((sum, s) => sum + s.failedPublishes, 0)
      const failures = backend.publishFailures
      const failingMs = failures.length > 0 ? Math.round(failures.at(-1)!.at - failures[0]!.at) : 0
      expect(
        given,
        `the chunk sequencer gave up ${given} chunk(s) (${failures.length} failed attempts) while publishes failed for ` +
          `${failingMs} ms (broker stopped at +0, back at +${Math.round(restartedAt - stoppedAt)} ms): 3 attempts with ` +
          '100/200 ms back-off cover ~300 ms, so these answers can never complete',
      ).toBe(0)
      const result = await t.finished(streamId, MODEL_IDS, 15_000)
      for (const id of MODEL_IDS) {
        expect(result[id]!.status, id).toBe('complete')
        expect(result[id]!.text === expected[id], `${id}: text differs from the model's`).toBe(true)
      }
    } finally {
      await t.stop()
      await mosquitto.stop()
      mosquitto = undefined
    }
  })
})
