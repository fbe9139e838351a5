/**
 * The OpenAI-compatible provider (as the resolvers build it, with the `<think>` splitter) against response bodies
 * recorded from real servers (tests/fixtures/provider-streams/README.md says where each comes from), served by a
 * local HTTP server in random 1–48 byte writes and in 1–3 byte writes. What the provider yields is checked against
 * an oracle read straight from the fixture's JSON, plus the facts each recording is about (stop reason, tool names,
 * token counts).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ModelEvent } from '../../../src-main/backend/model-provider'
import { createOpenAiCompatibleProvider } from '../../../src-main/backend/providers/openai-compatible'
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../../fixtures/fake-openai-server'

const FIXTURES = join(__dirname, '../../fixtures/provider-streams')
const fixture = (name: string) => readFileSync(join(FIXTURES, name))

/** A seeded generator (mulberry32), so that a failing split can be replayed from the seed in the test name. */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const writeSizes = (min: number, max: number, seed: number) => {
  const random = seeded(seed)
  return () => min + Math.floor(random() * (max - min + 1))
}

/** The fixture's chunks as JSON: the oracle, read without the provider's code. */
interface Chunk {
  choices?: Array<{
    delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null }
    finish_reason?: string | null
  }>
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null
}
function chunksOf(body: Buffer): Chunk[] {
  return body
    .toString('utf8')
    .split('\n\n')
    .map((event) => event.replace(/^data: /, ''))
    .filter((data) => data !== '' && data !== '[DONE]')
    .map((data) => JSON.parse(data) as Chunk)
}
const contentOf = (chunks: Chunk[]) => chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('')
const reasoningFieldsOf = (chunks: Chunk[]) =>
  chunks.map((c) => c.choices?.[0]?.delta?.reasoning_content ?? c.choices?.[0]?.delta?.reasoning ?? '').join('')

const reasoningOf = (events: ModelEvent[]) => events.map((e) => (e.type === 'reasoning' ? e.text : '')).join('')
const answerOf = (events: ModelEvent[]) => events.map((e) => (e.type === 'delta' ? e.text : '')).join('')
const stopOf = (events: ModelEvent[]) => events.filter((e) => e.type === 'stop')
/** The usage as the handler reads it: the last report wins, field by field. */
const usageOf = (events: ModelEvent[]) =>
  Object.assign({}, ...events.filter((e) => e.type === 'usage').map(({ type: _, ...counts }) => counts)) as Record<
    string,
    number
  >

interface Expected {
  reasoning: string
  answer: string
  stop: ModelEvent
  usage: Record<string, number>
}

const CASES: Record<string, (body: Buffer) => Expected> = {
  'deepseek-reasoning.sse': (body) => ({
    reasoning: reasoningFieldsOf(chunksOf(body)),
    answer: contentOf(chunksOf(body)),
    stop: { type: 'stop', reason: 'end', raw: 'stop' },
    usage: { inputTokens: 18, outputTokens: 219, reasoningTokens: 205 },
  }),
  'groq-reasoning.sse': (body) => ({
    reasoning: reasoningFieldsOf(chunksOf(body)),
    answer: contentOf(chunksOf(body)),
    stop: { type: 'stop', reason: 'end', raw: 'stop' },
    usage: { inputTokens: 17, outputTokens: 1107, reasoningTokens: 963 },
  }),
  'r1-inline-think.sse': (body) => {
    const content = contentOf(chunksOf(body))
    const open = content.indexOf('<think>') + '<think>'.length
    const close = content.indexOf('</think>')
    return {
      reasoning: content.slice(open, close),
      answer: content.slice(close + '</think>'.length).trimStart(),
      stop: { type: 'stop', reason: 'end', raw: 'stop' },
      usage: { inputTokens: 10, outputTokens: 955 },
    }
  },
  'deepseek-length.sse': (body) => ({
    reasoning: '',
    answer: contentOf(chunksOf(body)),
    stop: { type: 'stop', reason: 'max-tokens', raw: 'length' },
    usage: { inputTokens: 13, outputTokens: 400 },
  }),
  'deepseek-tool-call.sse': (body) => ({
    reasoning: reasoningFieldsOf(chunksOf(body)),
    answer: '',
    stop: { type: 'stop', reason: 'tool-call', raw: 'tool_calls', toolNames: ['weather'] },
    usage: { inputTokens: 339, outputTokens: 83, reasoningTokens: 39 },
  }),
  'groq-tool-call.sse': () => ({
    reasoning: '',
    answer: '',
    stop: { type: 'stop', reason: 'tool-call', raw: 'tool_calls', toolNames: ['weather'] },
    usage: { inputTokens: 210, outputTokens: 15 },
  }),
}

let server: FakeOpenAiServer
beforeAll(async () => {
  server = await startFakeOpenAiServer()
})
afterAll(async () => {
  await server.close()
})

async function streamFixture(name: string, nextWriteSize: () => number, body = fixture(name), thenDrop = false) {
  server.setScript('recorded', { kind: 'recorded', body, nextWriteSize, thenDrop })
  const provider = createOpenAiCompatibleProvider({ baseUrl: server.baseUrl, model: 'recorded' })
  const events: ModelEvent[] = []
  for await (const event of provider.stream({
    messages: [{ role: 'user', content: 'hi' }],
    signal: new AbortController().signal,
  })) {
    events.push(event)
  }
  return events
}

describe('OpenAI-compatible provider on recorded streams', () => {
  for (const [name, expectedFrom] of Object.entries(CASES)) {
    const splits: Array<[string, () => number]> = [
      ['random 1–48 byte writes (seed 1)', writeSizes(1, 48, 1)],
      ['random 1–48 byte writes (seed 2)', writeSizes(1, 48, 2)],
      ['1–3 byte writes (seed 3)', writeSizes(1, 3, 3)],
    ]
    for (const [how, nextWriteSize] of splits) {
      it(`${name} in ${how}`, async () => {
        const expected = expectedFrom(fixture(name))
        const events = await streamFixture(name, nextWriteSize)
        expect(reasoningOf(events)).toBe(expected.reasoning)
        expect(answerOf(events)).toBe(expected.answer)
        expect(stopOf(events)).toEqual([expected.stop])
        expect(usageOf(events)).toEqual(expected.usage)
        // Reasoning never leaks into the answer, nor the other way round.
        expect(answerOf(events)).not.toContain('<think>')
        expect(events.filter((e) => (e.type === 'delta' || e.type === 'reasoning') && e.text === '')).toEqual([])
      })
    }
  }

  it('reads the recordings as what they are about (the oracle is not empty where it matters)', () => {
    expect(CASES['deepseek-reasoning.sse']!(fixture('deepseek-reasoning.sse')).reasoning.length).toBeGreaterThan(200)
    expect(CASES['groq-reasoning.sse']!(fixture('groq-reasoning.sse')).reasoning.length).toBeGreaterThan(300)
    const r1 = CASES['r1-inline-think.sse']!(fixture('r1-inline-think.sse'))
    expect(r1.reasoning).toMatch(/^\nOkay, the user asked "How do I cross the street\?"/)
    expect(r1.answer).toMatch(/^Crossing the street safely requires attention/)
    expect(CASES['deepseek-length.sse']!(fixture('deepseek-length.sse')).answer.length).toBeGreaterThan(500)
  })

  it('treats a stream closed after its finish_reason and usage, without [DONE], as complete', async () => {
    const whole = fixture('deepseek-reasoning.sse')
    const done = Buffer.from('data: [DONE]\n\n')
    expect(whole.subarray(whole.length - done.length).equals(done)).toBe(true)
    const events = await streamFixture(
      'deepseek-reasoning.sse',
      writeSizes(1, 48, 4),
      whole.subarray(0, whole.length - done.length),
      true,
    )
    expect(stopOf(events)).toEqual([{ type: 'stop', reason: 'end', raw: 'stop' }])
    expect(usageOf(events)).toEqual({ inputTokens: 18, outputTokens: 219, reasoningTokens: 205 })
  })
})
