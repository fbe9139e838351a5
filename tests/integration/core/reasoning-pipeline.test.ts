/**
 * Reasoning and answer, end to end through real brokers (the embedded aedes broker, as local mode ships, and
 * Mosquitto): a scripted model thinks, then answers; the chat handler coalesces both channels, publishes v2 chunks
 * through a chaos publisher (late, shuffled, duplicated), and a raw subscriber decodes each payload as the app does,
 * reassembles both channels byte-exact and checks both digests of the final marker. A v1 request on the same path
 * never carries reasoning, and the frozen v1 decoder refuses every v2 chunk instead of showing its reasoning.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { streamChat, type ChatRequest } from '../../../src-main/backend/chat-handler'
import type { ModelEvent, ModelResolver } from '../../../src-main/backend/model-provider'
import { decodeChunk, userStreamsFilter, type ChunkMessage } from '../../../src-main/protocol/stream-protocol'
import * as frozen from '../../fixtures/protocol-v1/stream-protocol-v1'
import { chaosPublisher } from '../../support/chaos-publisher'
import { brokerPairs, sessionPool, type BrokerPair } from '../../support/broker-pair'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { sha256Hex } from '../../support/sha256'

const PREFIX = 'streamdesk'
const USER = 'local'

/** Thinking with multi-byte characters (CJK, emoji, a combining accent) so a bad cut would show; then the answer. */
const thinking = Array.from({ length: 300 }, (_, i) => `思考${i} 🤔 e\u0301 step ${i}. `)
const answering = [...Array.from({ length: 200 }, (_, i) => `answer-${i} `), '日本語 😀 done.']

const models: ModelResolver = {
  resolve: () => ({
    async *stream({ signal }): AsyncIterable<ModelEvent> {
      for (const text of thinking) {
        await sleep(1, undefined, { signal })
        yield { type: 'reasoning', text }
      }
      yield { type: 'reasoning-signature', signature: 'c2ln' }
      for (const text of answering) {
        await sleep(1, undefined, { signal })
        yield { type: 'delta', text }
      }
      yield { type: 'usage', inputTokens: 20, outputTokens: 900, reasoningTokens: 600 }
      yield { type: 'stop', reason: 'end', raw: 'stop' }
    },
  }),
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

/** The raw receiving end: every payload kept, decoded by today's decoder and the frozen v1 one. */
async function subscribe(broker: BrokerPair) {
  const payloads: string[] = []
  const chunks = new Map<number, ChunkMessage>()
  const refusedByV1: string[] = []
  const refusedByToday: string[] = []
  const session = connect(broker, broker.app)
  await session.subscribe(userStreamsFilter(PREFIX, USER), (topic, payload) => {
    payloads.push(new TextDecoder().decode(payload))
    const decoded = decodeChunk(topic, payload, { prefix: PREFIX, userId: USER })
    if (!decoded.ok) return void refusedByToday.push(decoded.detail)
    chunks.set(decoded.message.seq, decoded.message) // duplicates collapse on their sequence number
    const old = frozen.decodeChunk(topic, payload, { prefix: PREFIX, userId: USER })
    if (!old.ok) refusedByV1.push(old.reason)
  })
  await session.connect()
  const sequence = () => [...chunks.values()].sort((a, b) => a.seq - b.seq)
  return {
    payloads,
    refusedByV1,
    refusedByToday,
    sequence,
    complete: () => {
      const all = sequence()
      const final = all.at(-1)?.final
      return final !== undefined && all.length === final.total
    },
    channel: (name: 'text' | 'reasoning') =>
      sequence()
        .map((c) => c[name] ?? '')
        .join(''),
  }
}

async function stream(broker: BrokerPair, request: ChatRequest) {
  const backend = connect(broker, broker.backend)
  await backend.connect()
  const chaos = chaosPublisher(
    { publish: (topic, payload) => backend.publish(topic, payload) },
    { duplicate: 0.25, maxDelayMs: 40, seed: 13 },
  )
  const summaries = await streamChat(request, {
    publisher: chaos,
    models,
    topicPrefix: PREFIX,
    coalescing: { windowMs: 20 },
  })
  return { summaries, chaos }
}

const request = (streamId: string, protocols?: number[]): ChatRequest => ({
  userId: USER,
  streamId,
  ...(protocols ? { protocols } : {}),
  models: [{ modelId: 'r1', messages: [{ role: 'user', content: 'Think, then answer.' }] }],
})

describe.each(brokerPairs(PREFIX, USER, () => mosquitto))('reasoning through %s', (_name, startBroker) => {
  it('delivers reasoning and answer byte-exact in their own channels under shuffle, duplicates and delay', async () => {
    const broker = await startBroker()
    try {
      const app = await subscribe(broker)
      const { summaries, chaos } = await stream(broker, request('stream-v2', [1, 2]))
      await vi.waitFor(() => expect(app.complete()).toBe(true), { timeout: 15_000 })
      expect(app.refusedByToday).toEqual([])
      expect(chaos.duplicated).toBeGreaterThan(0)
      expect(chaos.reordered()).toBe(true)
      const chunks = app.sequence()
      expect(chunks.every((c) => c.v === 2)).toBe(true)
      expect(app.channel('reasoning')).toBe(thinking.join(''))
      expect(app.channel('text')).toBe(answering.join(''))
      expect(chunks.at(-1)!.final).toMatchObject({
        status: 'complete',
        stopReason: 'end',
        sha256: sha256Hex(app.channel('text')),
        reasoningSha256: sha256Hex(app.channel('reasoning')),
        metrics: { inputTokens: 20, outputTokens: 900, reasoningTokens: 600 },
      })
      const metrics = chunks.at(-1)!.final!.metrics!
      expect(metrics.firstTokenMs).toBeLessThanOrEqual(metrics.firstAnswerTokenMs!)
      expect(metrics.firstAnswerTokenMs).toBeLessThanOrEqual(metrics.durationMs!)
      // One message budget for both channels: far fewer chunks than the 501 deltas.
      expect(chunks.length).toBeLessThan(thinking.length + answering.length)
      expect(summaries[0]).toMatchObject({ status: 'complete', reasoningSignatures: ['c2ln'] })
      // An old app on the same topic refuses every chunk rather than show the reasoning as answer text.
      expect(new Set(app.refusedByV1)).toEqual(new Set(['unsupported-version']))
    } finally {
      await broker.close()
    }
  })

  it('keeps reasoning off the wire entirely for a v1 stream: only the answer, which the frozen decoder reads', async () => {
    const broker = await startBroker()
    try {
      const app = await subscribe(broker)
      await stream(broker, request('stream-v1'))
      await vi.waitFor(() => expect(app.complete()).toBe(true), { timeout: 15_000 })
      expect(app.sequence().every((c) => c.v === 1)).toBe(true)
      expect(app.channel('text')).toBe(answering.join(''))
      expect(app.channel('reasoning')).toBe('')
      for (const payload of app.payloads) expect(payload).not.toMatch(/思考|🤔|reasoning/)
      expect(app.refusedByV1).toEqual([])
      expect(app.refusedByToday).toEqual([])
      expect(app.sequence().at(-1)!.final).toEqual({
        total: app.sequence().length,
        status: 'complete',
        sha256: sha256Hex(answering.join('')),
        usage: { inputTokens: 20, outputTokens: 900 },
      })
    } finally {
      await broker.close()
    }
  })
})
