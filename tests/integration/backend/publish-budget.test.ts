/**
 * The publish budget through real brokers (the embedded aedes broker and Mosquitto), as local mode runs it: one
 * LocalChatBackend streams two overlapping 4-model prompts at 200 tokens/s per model, then one 100,000-character
 * delta, and a subscriber on the user's topic filter counts what arrives in every one-second window.
 *
 * Time is a manual clock shared by the models, the coalescers and the budget; the test moves it 1 ms at a time and,
 * after each step that published something, waits until the subscriber has received all of it before moving on.
 * So each message's arrival time is the clock's time when it was published, whatever the machine's load (no
 * timing-fragile assertion: issue 20), while every message still crosses a real broker.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ModelEvent, ModelResolver } from '../../../src-main/backend/model-provider'
import type { Publisher } from '../../../src-main/backend/publisher'
import { LocalChatBackend } from '../../../src-main/core/local-mode/local-chat-backend'
import { buildChatRequest } from '../../../src-main/core/chat/chat-request'
import { decodeChunk, userStreamsFilter, type ChunkMessage } from '../../../src-main/protocol/stream-protocol'
import { brokerPairs, sessionPool, type BrokerPair } from '../../support/broker-pair'
import { ManualClock } from '../../support/manual-clock'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { sha256Hex } from '../../support/sha256'

const PREFIX = 'streamdesk'
const USER = 'local'

let mosquitto: Mosquitto
beforeAll(async () => {
  mosquitto = await startMosquitto()
})
afterAll(async () => {
  await mosquitto?.stop()
})
const sessions = sessionPool()
afterEach(() => sessions.closeAll())

/** Models that play on the manual clock: `tokens` deltas 5 ms apart (200 tokens/s), or one `bigDelta`. */
function clockedModels(clock: ManualClock, script: { tokens?: number; bigDelta?: string }): ModelResolver {
  const wait = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms))
  return {
    resolve: (modelId) => ({
      async *stream(): AsyncIterable<ModelEvent> {
        if (script.bigDelta !== undefined) {
          await wait(5)
          yield { type: 'delta', text: script.bigDelta }
        }
        for (let i = 0; i < (script.tokens ?? 0); i++) {
          await wait(5)
          yield { type: 'delta', text: `${modelId}:${i} ` }
        }
      },
    }),
  }
}

async function run(broker: BrokerPair, script: { tokens?: number; bigDelta?: string }, prompts: number[][]) {
  const clock = new ManualClock()
  const arrivals: Array<{ at: number; bytes: number; message: ChunkMessage }> = []
  const app = sessions.connect(broker, broker.app)
  await app.subscribe(userStreamsFilter(PREFIX, USER), (topic, payload) => {
    const decoded = decodeChunk(topic, payload, { prefix: PREFIX, userId: USER })
    if (!decoded.ok) throw new Error(`the app would drop a chunk: ${decoded.detail}`)
    arrivals.push({ at: clock.now(), bytes: payload.byteLength, message: decoded.message })
  })
  await app.connect()
  const backendSession = sessions.connect(broker, broker.backend)
  await backendSession.connect()
  let published = 0
  const publisher: Publisher = {
    publish: (topic, payload) => {
      published += 1
      return backendSession.publish(topic, payload)
    },
  }
  const settled: string[] = []
  const backend = new LocalChatBackend({
    publisher,
    models: clockedModels(clock, script),
    topicPrefix: PREFIX,
    clock,
    onSettled: (streamId) => settled.push(streamId),
  })
  const streams = prompts.map((_, i) => `stream-${i}`)
  for (let now = 0; settled.length < prompts.length; now++) {
    if (now > 120_000) throw new Error('the streams never ended')
    const index = now === 0 ? 0 : now === 300 ? 1 : -1
    if (index >= 0 && prompts[index])
      await backend.start(
        buildChatRequest({
          userId: USER,
          streamId: streams[index]!,
          prompt: 'Go.',
          modelIds: prompts[index]!.map(String),
        }),
      )
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
    // Everything published so far arrives before the clock moves on.
    for (let waited = 0; arrivals.length < published; waited++) {
      if (waited > 10_000) throw new Error(`${published - arrivals.length} publishes never arrived`)
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    clock.advance(1)
  }
  await backend.close()
  return { arrivals, streams }
}

function worstWindow(arrivals: Array<{ at: number; bytes: number }>): { publishes: number; bytes: number } {
  let publishes = 0
  let bytes = 0
  for (const { at: end } of arrivals) {
    const inside = arrivals.filter((a) => a.at > end - 1000 && a.at <= end)
    publishes = Math.max(publishes, inside.length)
    bytes = Math.max(
      bytes,
      inside.reduce((sum, a) => sum + a.bytes, 0),
    )
  }
  return { publishes, bytes }
}

/** A stream's answer as the app would rebuild it: chunks in sequence order, checked against the final's digest. */
function answerOf(arrivals: Array<{ message: ChunkMessage }>, streamId: string, modelId: string): string {
  const chunks = [
    ...new Map(
      arrivals
        .map((a) => a.message)
        .filter((m) => m.streamId === streamId && m.modelId === modelId)
        .map((m) => [m.seq, m]),
    ).values(),
  ].sort((a, b) => a.seq - b.seq)
  const final = chunks.at(-1)?.final
  expect(final?.total).toBe(chunks.length)
  const text = chunks.map((c) => c.text).join('')
  expect(sha256Hex(text)).toBe(final!.sha256)
  return text
}

describe.each(brokerPairs(PREFIX, USER, () => mosquitto))('publish budget through %s', (_name, startBroker) => {
  it('keeps two overlapping 4-model prompts at 200 tokens/s within 80 publishes/s on the user topic', async () => {
    const broker = await startBroker()
    try {
      const { arrivals, streams } = await run(broker, { tokens: 400 }, [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
      ])
      expect(worstWindow(arrivals).publishes).toBeLessThanOrEqual(80)
      expect(worstWindow(arrivals).publishes).toBeGreaterThan(60) // the budget is used
      for (const [prompt, models] of [
        [0, [0, 1, 2, 3]],
        [1, [4, 5, 6, 7]],
      ] as const)
        for (const model of models)
          expect(answerOf(arrivals, streams[prompt]!, String(model))).toBe(
            Array.from({ length: 400 }, (_, i) => `${model}:${i} `).join(''),
          )
      // Each first token arrived as soon as its model sent it (5 ms into its stream).
      const firstAt = (streamId: string) =>
        Math.min(...arrivals.filter((a) => a.message.streamId === streamId).map((a) => a.at))
      expect([firstAt(streams[0]!), firstAt(streams[1]!)]).toEqual([5, 305])
    } finally {
      await broker.close()
    }
  })

  it('splits and paces one 100,000-character delta: ≤ 400 KB in any second, and arrives exact', async () => {
    const broker = await startBroker()
    try {
      const big = 'StreamDesk 東京 😀 '.repeat(7_000).slice(0, 100_000)
      const { arrivals, streams } = await run(broker, { bigDelta: big }, [[0]])
      expect(worstWindow(arrivals).bytes).toBeLessThanOrEqual(400_000)
      expect(worstWindow(arrivals).publishes).toBeLessThanOrEqual(80)
      expect(arrivals.length).toBeGreaterThanOrEqual(13)
      expect(arrivals.at(-1)!.at - arrivals[0]!.at).toBeGreaterThan(100) // spread, not one burst
      expect(answerOf(arrivals, streams[0]!, '0')).toBe(big)
    } finally {
      await broker.close()
    }
  })
})
