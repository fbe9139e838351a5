/**
 * The whole relay on real brokers: the chat handler publishes numbered chunks through the embedded broker
 * (aedes, as local mode ships) and through Mosquitto; the app core's aws-crt session receives them, reorders
 * them and emits the exact text per model column.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { startTestCore } from '../../support/test-core'
import { scriptedModels } from '../../support/scripted-provider'
import { chaosPublisher } from '../../support/chaos-publisher'
import type { ModelStreamRequest } from '../../../src-main/backend/model-provider'

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
