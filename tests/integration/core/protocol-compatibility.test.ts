/**
 * The protocol compatibility matrix on real brokers (the embedded aedes broker, as local mode ships, and
 * Mosquitto): today's chat handler publishes through a real MQTT connection and apps of both generations read
 * the stream, the old one with the FROZEN v1 decoder (tests/fixtures/protocol-v1). The unit-level matrix is
 * tests/unit/protocol/compatibility-matrix.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { streamChat, type ChatRequest } from '../../../src-main/backend/chat-handler'
import { decodeChunk, userStreamsFilter, type ChunkMessage } from '../../../src-main/protocol/stream-protocol'
import * as frozen from '../../fixtures/protocol-v1/stream-protocol-v1'
import { ChatRequestSchema as FrozenChatRequestSchema } from '../../fixtures/protocol-v1/chat-request-v1'
import { brokerPairs, sessionPool, type BrokerPair } from '../../support/broker-pair'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { scriptedModels } from '../../support/scripted-provider'
import { sha256Hex } from '../../support/sha256'
import { OUTCOME_WAIT } from '../../support/deadline'

const PREFIX = 'streamdesk'
const USER = 'local'
const answers = {
  claude: Array.from({ length: 200 }, (_, i) => `claude-${i} ${i % 13 === 0 ? '\n\n' : ''}`),
  gpt: [...Array.from({ length: 120 }, (_, i) => `gpt-${i} `), '日本語のテキスト 😀'],
}
const scripts = {
  claude: { deltas: answers.claude, intervalMs: 1, usage: { inputTokens: 5, outputTokens: 200 } },
  gpt: { deltas: answers.gpt, intervalMs: 1 },
}

let mosquitto: Mosquitto
beforeAll(async () => {
  mosquitto = await startMosquitto()
})
afterAll(async () => {
  await mosquitto?.stop()
})

const sessions = sessionPool()
afterEach(() => sessions.closeAll())
const connect = sessions.connect

type Decoder = (
  topic: string,
  payload: Uint8Array,
) => { ok: true; message: ChunkMessage } | { ok: false; reason: string }

/** An app's receiving end: every payload through `decode`, chunks de-duplicated by sequence number. */
function reader(decode: Decoder) {
  const chunks = new Map<string, Map<number, ChunkMessage>>()
  const refused: string[] = []
  const sequence = (modelId: string) => [...(chunks.get(modelId)?.values() ?? [])].sort((a, b) => a.seq - b.seq)
  return {
    receive(topic: string, payload: Uint8Array) {
      const result = decode(topic, payload)
      if (!result.ok) return refused.push(result.reason)
      const model = chunks.get(result.message.modelId) ?? new Map<number, ChunkMessage>()
      chunks.set(result.message.modelId, model.set(result.message.seq, result.message))
    },
    refused,
    sequence,
    text: (modelId: string) =>
      sequence(modelId)
        .map((c) => c.text)
        .join(''),
    final: (modelId: string) => sequence(modelId).at(-1)?.final,
  }
}

/** The app's one subscription (the broker admits one app connection), each payload read by every reader. */
async function listen(broker: BrokerPair, readers: Array<ReturnType<typeof reader>>) {
  const session = connect(broker, broker.app)
  await session.subscribe(userStreamsFilter(PREFIX, USER), (topic, payload) => {
    for (const r of readers) r.receive(topic, payload)
  })
  await session.connect()
}

async function stream(broker: BrokerPair, request: ChatRequest) {
  const backend = connect(broker, broker.backend)
  await backend.connect()
  return streamChat(request, {
    publisher: { publish: (topic, payload) => backend.publish(topic, payload) },
    models: scriptedModels(scripts),
    topicPrefix: PREFIX,
    coalescing: { windowMs: 5 },
  })
}

const oldAppRequest = (streamId: string): ChatRequest =>
  FrozenChatRequestSchema.parse({
    userId: USER,
    streamId,
    models: Object.keys(scripts).map((modelId) => ({ modelId, messages: [{ role: 'user', content: 'Compare' }] })),
  })

const frozenApp: Decoder = (topic, payload) => frozen.decodeChunk(topic, payload, { prefix: PREFIX, userId: USER })
const newApp: Decoder = (topic, payload) => decodeChunk(topic, payload, { prefix: PREFIX, userId: USER })

describe.each(brokerPairs(PREFIX, USER, () => mosquitto))('protocol compatibility through %s', (_name, startBroker) => {
  it('old app, new backend: a request without protocols is answered in v1, which the frozen decoder reads exactly', async () => {
    const broker = await startBroker()
    try {
      const app = reader(frozenApp)
      await listen(broker, [app])
      await stream(broker, oldAppRequest('stream-old-app'))
      for (const [modelId, deltas] of Object.entries(answers)) {
        await vi.waitFor(() => expect(app.final(modelId)).toBeDefined(), { timeout: 10_000 })
        expect(app.text(modelId)).toBe(deltas.join(''))
        expect(app.sequence(modelId)).toHaveLength(app.final(modelId)!.total)
        expect(app.final(modelId)).toMatchObject({ status: 'complete', sha256: sha256Hex(deltas.join('')) })
      }
      expect(app.final('claude')!.usage).toEqual({ inputTokens: 5, outputTokens: 200 })
      expect(app.refused).toEqual([])
    } finally {
      await broker.close()
    }
  })

  it('new app, new backend: v2 is negotiated and read exactly; an old app on the same topic shows none of it', async () => {
    const broker = await startBroker()
    try {
      const app = reader(newApp)
      const old = reader(frozenApp)
      await listen(broker, [app, old])
      await stream(broker, { ...oldAppRequest('stream-new-app'), protocols: [1, 2] })
      for (const [modelId, deltas] of Object.entries(answers)) {
        await vi.waitFor(() => expect(app.final(modelId)).toBeDefined(), { timeout: 10_000 })
        expect(app.text(modelId)).toBe(deltas.join(''))
        expect(app.sequence(modelId).every((c) => c.v === 2)).toBe(true)
        expect(app.final(modelId)).toMatchObject({ status: 'complete', sha256: sha256Hex(deltas.join('')) })
      }
      expect(app.final('claude')!.metrics).toEqual({
        inputTokens: 5,
        outputTokens: 200,
        // Measured in the handler where the model's bytes arrive (real time here).
        firstTokenMs: expect.any(Number),
        firstAnswerTokenMs: expect.any(Number),
        durationMs: expect.any(Number),
      })
      expect(app.final('claude')!.stopReason).toBe('end')
      expect(app.refused).toEqual([])
      // The frozen v1 decoder refuses every v2 chunk instead of half-reading it.
      await vi.waitFor(
        () => expect(old.refused.length).toBeGreaterThanOrEqual(app.sequence('claude').length),
        OUTCOME_WAIT,
      )
      expect(new Set(old.refused)).toEqual(new Set(['unsupported-version']))
      expect(old.text('claude')).toBe('')
    } finally {
      await broker.close()
    }
  })
})
