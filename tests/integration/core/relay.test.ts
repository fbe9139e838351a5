/**
 * The whole relay on real brokers: the chat handler publishes numbered chunks through the embedded broker
 * (aedes, as local mode ships) and through Mosquitto; the app core's aws-crt session receives them, reorders
 * them and emits the exact text per model column (and, in protocol v2, the exact reasoning beside it).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { startTestCore } from '../../support/test-core'
import { scriptedModels } from '../../support/scripted-provider'
import { chaosPublisher } from '../../support/chaos-publisher'
import type { ModelStreamRequest } from '../../../src-main/backend/model-provider'
import type { Publisher } from '../../../src-main/backend/publisher'
import { encodeChunk, type ChunkMessage } from '../../../src-main/protocol/stream-protocol'
import type { ConversationDetail } from '../../../src-main/shared/ipc-contract'
import { sha256Hex } from '../../support/sha256'

const answer = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${tag}-${i} ${i % 17 === 0 ? '\n\n' : ''}`)
const scripts = {
  claude: { deltas: answer('claude', 300), intervalMs: 1 },
  gpt: { deltas: [...answer('gpt', 200), '日本語のテキスト 😀'], intervalMs: 1 },
}
const expected = { claude: scripts.claude.deltas.join(''), gpt: scripts.gpt.deltas.join('') }

let mosquitto: Mosquitto
beforeAll(async () => {
  mosquitto = await startMosquitto()
})
afterAll(async () => {
  await mosquitto?.stop()
})

describe.each([
  ['the embedded broker', () => 'embedded' as const],
  ['Mosquitto', () => mosquitto],
])('relay through %s', (_name, broker) => {
  it('delivers two concurrent model streams exactly, in order, batched per frame', async () => {
    const t = await startTestCore({ broker: broker(), modelIds: ['claude', 'gpt'], models: scriptedModels(scripts) })
    try {
      const { streamId } = (await t.invoke('chat:send', [
        { prompt: 'Compare yourselves', modelIds: ['claude', 'gpt'] },
      ])) as { streamId: string }
      const result = await t.finished(streamId, ['claude', 'gpt'])
      expect(result.claude).toMatchObject({ text: expected.claude, status: 'complete' })
      expect(result.gpt).toMatchObject({ text: expected.gpt, status: 'complete' })
      // Far fewer renderer messages than deltas, and never two updates for one column in a batch.
      expect(t.batches.length).toBeLessThan(scripts.claude.deltas.length / 2)
      for (const batch of t.batches) expect(new Set(batch.map((u) => u.modelId)).size).toBe(batch.length)
      const diagnostics = (await t.invoke('diagnostics:get', [])) as {
        rejected: Record<string, number>
        activeStreams: number
      }
      expect(diagnostics.rejected).toEqual({})
      expect(diagnostics.activeStreams).toBe(0)
      // The log file a user attaches to a bug report: connection events, never the conversation's text.
      const log = await readFile(join(t.userDataDir, 'logs', 'streamdesk.log'), 'utf8')
      expect(log).toMatch(/connection local connected/)
      expect(log).not.toContain('Compare yourselves')
      expect(log).not.toContain('claude-1 ')
    } finally {
      await t.stop()
    }
  })

  it('gives each model its own earlier answers as context on a follow-up prompt', async () => {
    const requests: Record<string, ModelStreamRequest[]> = {}
    const models = scriptedModels({ a: { deltas: ['A1'] }, b: { deltas: ['B1'] } }, requests)
    const t = await startTestCore({ broker: broker(), modelIds: ['a', 'b'], models })
    try {
      const first = (await t.invoke('chat:send', [{ prompt: 'one', modelIds: ['a', 'b'] }])) as {
        streamId: string
        conversationId: string
      }
      await t.finished(first.streamId, ['a', 'b'])
      const second = (await t.invoke('chat:send', [
        { conversationId: first.conversationId, prompt: 'two', modelIds: ['a'] },
      ])) as { streamId: string }
      await t.finished(second.streamId, ['a'])
      expect(requests.a![1]!.messages).toEqual([
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'A1' },
        { role: 'user', content: 'two' },
      ])
      expect(requests.b).toHaveLength(1)
    } finally {
      await t.stop()
    }
  })
})

describe('relay under chaos (shuffled, duplicated, delayed publishes) through Mosquitto', () => {
  it.each([1, 2, 3])('delivers the same text (seed %i)', async (seed) => {
    let chaos: ReturnType<typeof chaosPublisher> | undefined
    const t = await startTestCore({
      broker: mosquitto,
      modelIds: ['claude', 'gpt'],
      models: scriptedModels(scripts),
      decoratePublisher: (inner) => (chaos = chaosPublisher(inner, { seed, duplicate: 0.3, maxDelayMs: 40 })),
    })
    try {
      const { streamId } = (await t.invoke('chat:send', [{ prompt: 'chaos', modelIds: ['claude', 'gpt'] }])) as {
        streamId: string
      }
      const result = await t.finished(streamId, ['claude', 'gpt'])
      expect(result.claude!.text).toBe(expected.claude)
      expect(result.gpt!.text).toBe(expected.gpt)
      expect(chaos!.duplicated).toBeGreaterThan(0)
      expect(chaos!.reordered()).toBe(true)
      const diagnostics = (await t.invoke('diagnostics:get', [])) as { duplicatesDropped: number }
      expect(diagnostics.duplicatesDropped).toBeGreaterThanOrEqual(chaos!.duplicated)
    } finally {
      await t.stop()
    }
  })
})

/**
 * A reasoning model in protocol v2 ('thinker': reasoning first, then chunks with both channels, then the answer)
 * beside one in protocol v1 ('plain', whose messages are given reasoning too, which v1 cannot carry). Each model's
 * first publish by the backend is replaced by these chunks, published at once through the chaos publisher (random
 * delays, so they reach the broker shuffled, and some twice); the backend's own chunks are dropped.
 */
const thinking = Array.from(
  { length: 250 },
  (_, i) => `step ${i}: ${i % 13 === 0 ? '東京 🌞 ' : ''}hmm${i % 7 === 0 ? '\n' : ' '}`,
)
const thinkerText = Array.from({ length: 120 }, (_, i) => `answer-${i} ${i % 11 === 0 ? '\n\n' : ''}`)
const plainText = Array.from({ length: 150 }, (_, i) => `plain-${i} `)
const metrics = { inputTokens: 10, outputTokens: 900, reasoningTokens: 600, firstTokenMs: 50, firstAnswerTokenMs: 800 }

function scriptedChunks(streamId: string, modelId: string): ChunkMessage[] {
  if (modelId === 'plain') {
    const chunks: ChunkMessage[] = plainText.map((text, seq) => ({
      v: 1,
      streamId,
      modelId,
      seq,
      text,
      reasoning: 'x',
    }))
    chunks.at(-1)!.final = { total: chunks.length, status: 'complete', sha256: sha256Hex(plainText.join('')) }
    return chunks
  }
  // Reasoning alone, then 40 chunks that carry both channels, then the rest of the answer alone.
  const both = 40
  const chunks: ChunkMessage[] = []
  const reasoningOnly = thinking.length - both
  thinking.forEach((reasoning, i) => {
    const text = i >= reasoningOnly ? thinkerText[i - reasoningOnly]! : ''
    chunks.push({ v: 2, streamId, modelId, seq: chunks.length, text, reasoning })
  })
  for (const text of thinkerText.slice(both)) chunks.push({ v: 2, streamId, modelId, seq: chunks.length, text })
  chunks.at(-1)!.final = {
    total: chunks.length,
    status: 'complete',
    sha256: sha256Hex(thinkerText.join('')),
    reasoningSha256: sha256Hex(thinking.join('')),
    stopReason: 'max-tokens',
    metrics,
  }
  return chunks
}

function replacingChaos(inner: Publisher, seed: number) {
  const chaos = chaosPublisher(inner, { seed, duplicate: 0.3, maxDelayMs: 40 })
  const replaced = new Set<string>()
  const publisher: Publisher = {
    async publish(topic: string, payload: string) {
      const { streamId, modelId } = JSON.parse(payload) as { streamId: string; modelId: string }
      if (replaced.has(`${streamId}/${modelId}`)) return
      replaced.add(`${streamId}/${modelId}`)
      await Promise.all(scriptedChunks(streamId, modelId).map((chunk) => chaos.publish(topic, encodeChunk(chunk))))
    },
  }
  return { publisher, chaos }
}

describe.each([
  ['the embedded broker', () => 'embedded' as const],
  ['Mosquitto', () => mosquitto],
])('reasoning and answer under chaos (shuffled, duplicated, delayed publishes) through %s', (_name, broker) => {
  it.each([1, 2])('reach the columns and the history byte-exact, each on its own channel (seed %i)', async (seed) => {
    let chaos: ReturnType<typeof chaosPublisher> | undefined
    const t = await startTestCore({
      broker: broker(),
      modelIds: ['thinker', 'plain'],
      models: scriptedModels({ thinker: { deltas: ['replaced'] }, plain: { deltas: ['replaced'] } }),
      decoratePublisher: (inner) => {
        const replacing = replacingChaos(inner, seed)
        chaos = replacing.chaos
        return replacing.publisher
      },
    })
    try {
      const { streamId, conversationId } = (await t.invoke('chat:send', [
        { prompt: 'Think first', modelIds: ['thinker', 'plain'] },
      ])) as { streamId: string; conversationId: string }
      const result = await t.finished(streamId, ['thinker', 'plain'])
      expect(result.thinker).toMatchObject({ text: thinkerText.join(''), status: 'complete' })
      expect(result.plain).toMatchObject({ text: plainText.join(''), status: 'complete' })
      expect(t.reasoning.get(`${streamId}/thinker`)).toBe(thinking.join(''))
      // A v1 stream never yields reasoning, on screen or in history.
      expect(t.reasoning.has(`${streamId}/plain`)).toBe(false)
      expect(t.ends.get(`${streamId}/thinker`)).toMatchObject({ stopReason: 'max-tokens', metrics })
      expect(chaos!.duplicated).toBeGreaterThan(0)
      expect(chaos!.reordered()).toBe(true)
      const diagnostics = (await t.invoke('diagnostics:get', [])) as {
        duplicatesDropped: number
        rejected: Record<string, number>
      }
      expect(diagnostics.duplicatesDropped).toBeGreaterThanOrEqual(chaos!.duplicated)
      expect(diagnostics.rejected).toEqual({})

      const stored = (await t.invoke('history:get', [conversationId])) as ConversationDetail
      const [thinker, plain] = stored.turns[0]!.answers
      expect(thinker).toMatchObject({
        modelId: 'thinker',
        text: thinkerText.join(''),
        reasoning: thinking.join(''),
        status: 'complete',
        end: { stopReason: 'max-tokens', metrics },
      })
      expect(plain).toMatchObject({ modelId: 'plain', text: plainText.join(''), reasoning: '', status: 'complete' })
    } finally {
      await t.stop()
    }
  })
})
