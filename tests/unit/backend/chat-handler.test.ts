import { describe, expect, it } from 'vitest'
import {
  ChatRequestSchema,
  handleChatRequest,
  MAX_CHANNEL_CHARS,
  type ChatHandlerDeps,
  type ModelStreamSummary,
} from '../../../src-main/backend/chat-handler'
import {
  ModelError,
  type ModelEvent,
  type ModelProvider,
  type ModelResolver,
  type ModelStreamRequest,
} from '../../../src-main/backend/model-provider'
import type { Publisher } from '../../../src-main/backend/publisher'
import type { AnswerRecord } from '../../../src-main/backend/answer-store'
import {
  decodeChunk,
  MAX_TOOL_NAMES,
  type ChunkMessage,
  type FinalMarker,
} from '../../../src-main/protocol/stream-protocol'
import type { StopReason } from '../../../src-main/shared/answer'
import { ManualClock } from '../../support/manual-clock'
import { scriptedModels, type Script } from '../../support/scripted-provider'
import { RecordingPublisher } from '../../support/recording-publisher'
import { sha256Hex } from '../../support/sha256'

const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i} `)
const request = (modelIds: string[], prompt = 'Hello?') => ({
  userId: 'user-1',
  streamId: 'stream-1',
  models: modelIds.map((modelId) => ({ modelId, messages: [{ role: 'user' as const, content: prompt }] })),
})

async function run(
  scripts: Record<string, Script>,
  overrides: Partial<ChatHandlerDeps> = {},
  modelIds = Object.keys(scripts),
) {
  const publisher = new RecordingPublisher()
  const summaries = await handleChatRequest(request(modelIds), {
    publisher,
    models: scriptedModels(scripts),
    coalescing: { windowMs: 5 },
    ...overrides,
  })
  return { publisher: (overrides.publisher as RecordingPublisher | undefined) ?? publisher, summaries }
}

describe('chat handler', () => {
  it("streams two models at once into numbered chunks on the user's topic, each ending with a final marker", async () => {
    const { publisher, summaries } = await run({
      claude: { deltas: words(40, 'c'), intervalMs: 1, usage: { inputTokens: 3, outputTokens: 40 } },
      gpt: { deltas: words(25, 'g'), intervalMs: 1 },
    })
    for (const [modelId, expected] of [
      ['claude', words(40, 'c').join('')],
      ['gpt', words(25, 'g').join('')],
    ] as const) {
      const chunks = publisher.forModel(modelId)
      expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i))
      expect(publisher.textOf(modelId)).toBe(expected)
      expect(chunks.at(-1)!.final).toMatchObject({ status: 'complete', total: chunks.length })
      expect(chunks.slice(0, -1).every((c) => c.final === undefined)).toBe(true)
    }
    expect(publisher.forModel('claude').at(-1)!.final!.usage).toEqual({ inputTokens: 3, outputTokens: 40 })
    expect(new Set(publisher.messages.map((m) => m.topic))).toEqual(new Set(['streamdesk/user-1/stream-1']))
    expect(summaries.map((s) => [s.modelId, s.status])).toEqual([
      ['claude', 'complete'],
      ['gpt', 'complete'],
    ])
    // Both models were in flight together: their chunks interleave.
    const order = publisher.messages.map((m) => m.message.modelId)
    expect(order.indexOf('gpt')).toBeLessThan(order.lastIndexOf('claude'))
  })

  it('coalesces: far fewer chunks than deltas', async () => {
    const { publisher } = await run({ fast: { deltas: words(500, 'w') } }, { coalescing: { windowMs: 50 } })
    expect(publisher.forModel('fast').length).toBeLessThan(20)
    expect(publisher.textOf('fast')).toBe(words(500, 'w').join(''))
  })

  it('publishes without waiting for each acknowledgement', async () => {
    const publisher = new RecordingPublisher({ delayMs: 30 })
    await run({ m: { deltas: words(30, 'w'), intervalMs: 2 } }, { publisher, coalescing: { windowMs: 5 } })
    expect(publisher.maxInFlight).toBeGreaterThan(1)
    expect(publisher.textOf('m')).toBe(words(30, 'w').join(''))
  })

  it('turns a model failure into an error final that keeps the text so far', async () => {
    const failWith = new ModelError('rate-limited', 'Too many requests; retry in 20 s.')
    const { publisher, summaries } = await run({ ok: { deltas: ['fine'] }, bad: { deltas: ['par', 'tial'], failWith } })
    expect(publisher.textOf('bad')).toBe('partial')
    expect(publisher.forModel('bad').at(-1)!.final).toEqual({
      total: publisher.forModel('bad').length,
      status: 'error',
      sha256: sha256Hex('partial'),
      error: { code: 'rate-limited', message: 'Too many requests; retry in 20 s.' },
    })
    expect(publisher.forModel('ok').at(-1)!.final!.status).toBe('complete')
    expect(summaries.find((s) => s.modelId === 'bad')!.error!.code).toBe('rate-limited')
  })

  it('reports an unexpected exception as an internal error, and an unknown model as not found', async () => {
    const { publisher } = await run({ boom: { deltas: [], failWith: new TypeError('x is undefined') } }, {}, [
      'boom',
      'ghost',
    ])
    expect(publisher.forModel('boom').at(-1)!.final!.error).toEqual({
      code: 'internal',
      message: 'Unexpected error: x is undefined',
    })
    expect(publisher.forModel('ghost')).toEqual([
      expect.objectContaining({
        seq: 0,
        text: '',
        final: expect.objectContaining({
          status: 'error',
          error: expect.objectContaining({ code: 'model-not-found' }),
        }),
      }),
    ])
  })

  it('stops one model on its signal, sending what it has with status stopped, while the other completes', async () => {
    const stop = new AbortController()
    // The user presses stop once the slow model's first text has gone out (not after a fixed time, which a busy
    // machine may reach before any text or long after).
    class StopAfterFirstText extends RecordingPublisher {
      override async publish(topic: string, payload: string): Promise<void> {
        await super.publish(topic, payload)
        if (this.textOf('slow').length > 0) stop.abort()
      }
    }
    const { publisher, summaries } = await run(
      { slow: { deltas: words(1000, 's'), intervalMs: 2 }, other: { deltas: words(5, 'o'), intervalMs: 2 } },
      { publisher: new StopAfterFirstText(), stopSignal: (modelId) => (modelId === 'slow' ? stop.signal : undefined) },
    )
    const slow = publisher.forModel('slow')
    expect(slow.at(-1)!.final!.status).toBe('stopped')
    expect(publisher.textOf('slow').length).toBeGreaterThan(0)
    expect(words(1000, 's').join('').startsWith(publisher.textOf('slow'))).toBe(true)
    // Stopped early: most of the 1,000 words were never sent (the model would have needed 2 s more).
    expect(publisher.textOf('slow').length).toBeLessThan(words(1000, 's').join('').length / 2)
    expect(summaries.map((s) => s.status)).toEqual(['stopped', 'complete'])
  })

  it('ends a model that goes silent with a timeout error instead of hanging', async () => {
    const { publisher } = await run({ mute: { deltas: ['a', 'b'], hangAfter: 1 } }, { idleTimeoutMs: 50 })
    expect(publisher.textOf('mute')).toBe('a')
    expect(publisher.forModel('mute').at(-1)!.final).toMatchObject({ status: 'error', error: { code: 'timeout' } })
  })

  it('retries a failed publish and counts one that never succeeds, still finishing', async () => {
    const flaky = new RecordingPublisher({ failFirst: 1 })
    await run({ m: { deltas: ['x'] } }, { publisher: flaky, publishing: { retryBaseMs: 1 } })
    expect(flaky.textOf('m')).toBe('x')
    const dead = new RecordingPublisher({ failAlways: true })
    const { summaries } = await run(
      { m: { deltas: ['x'] } },
      { publisher: dead, publishing: { retryBaseMs: 1, retryForMs: 20 } },
    )
    expect(summaries[0]!.failedPublishes).toBe(summaries[0]!.chunks)
  })

  it('refuses a malformed request before streaming anything', async () => {
    const publisher = new RecordingPublisher()
    const deps = { publisher, models: scriptedModels({}) }
    await expect(handleChatRequest({ ...request(['a']), userId: 'bad/user' }, deps)).rejects.toThrow()
    await expect(handleChatRequest({ ...request(['a', 'a']) }, deps)).rejects.toThrow(/unique/)
    await expect(handleChatRequest({ ...request([]) }, deps)).rejects.toThrow()
    expect(publisher.attempts).toBe(0)
  })

  it('publishes every chunk of a stream in the highest protocol version the request and backend share', async () => {
    const scripts = { m: { deltas: words(30, 'w'), intervalMs: 1, usage: { inputTokens: 3, outputTokens: 30 } } }
    for (const [protocols, version] of [
      [undefined, 1],
      [[1], 1],
      [[1, 2], 2],
      [[2, 1, 9], 2],
    ] as const) {
      const publisher = new RecordingPublisher()
      await handleChatRequest(
        { ...request(['m']), ...(protocols ? { protocols } : {}) },
        { publisher, models: scriptedModels(scripts), coalescing: { windowMs: 5 } },
      )
      const chunks = publisher.forModel('m')
      expect(new Set(chunks.map((c) => c.v))).toEqual(new Set([version]))
      expect(publisher.textOf('m')).toBe(words(30, 'w').join(''))
      const tokens = { inputTokens: 3, outputTokens: 30 }
      expect(chunks.at(-1)!.final).toMatchObject(version === 1 ? { usage: tokens } : { metrics: tokens })
    }
  })

  it('answers a client it shares no version with by a v1 error final per model, saying who must update', async () => {
    const publisher = new RecordingPublisher()
    const summaries = await handleChatRequest(
      { ...request(['a', 'b']), protocols: [4, 5] },
      { publisher, models: scriptedModels({ a: { deltas: ['never'] }, b: { deltas: ['never'] } }) },
    )
    for (const modelId of ['a', 'b']) {
      expect(publisher.forModel(modelId)).toEqual([
        {
          v: 1,
          streamId: 'stream-1',
          modelId,
          seq: 0,
          text: '',
          final: {
            total: 1,
            status: 'error',
            sha256: sha256Hex(''),
            error: {
              code: 'internal',
              message: expect.stringMatching(/^The backend is older than this app.*redeploy/),
            },
          },
        },
      ])
    }
    expect(summaries.map((s) => [s.modelId, s.status])).toEqual([
      ['a', 'error'],
      ['b', 'error'],
    ])
  })

  it('tolerates keys it does not know in the request, its model entries and messages (a newer client)', async () => {
    const newer = {
      ...request(['m']),
      protocols: [1, 2, 3],
      attachments: [{ id: 'x' }],
      models: [
        {
          modelId: 'm',
          reasoning: 'high',
          messages: [{ role: 'user', content: 'Hello?', signature: 'abc' }],
        },
      ],
    }
    const requests: Record<string, ModelStreamRequest[]> = {}
    const publisher = new RecordingPublisher()
    await handleChatRequest(newer, { publisher, models: scriptedModels({ m: { deltas: ['ok'] } }, requests) })
    expect(publisher.textOf('m')).toBe('ok')
    // What the handler does not know is dropped, not passed on to the model.
    expect(requests.m![0]!.messages).toEqual([{ role: 'user', content: 'Hello?' }])
  })

  it('drops prototype keys at every level of the request, so none reaches the handler', () => {
    const json = JSON.stringify(request(['m']))
      .replace('{', '{"__proto__":{"polluted":true},"constructor":{"x":1},')
      .replace('{"modelId"', '{"__proto__":{"polluted":true},"modelId"')
      .replace('{"role"', '{"constructor":"x","role"')
    const parsed = ChatRequestSchema.parse(JSON.parse(json))
    expect(parsed).toEqual(request(['m']))
    for (const value of [parsed, parsed.models[0]!, parsed.models[0]!.messages[0]!]) {
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
      expect(Object.hasOwn(value, 'constructor')).toBe(false)
      expect((value as { polluted?: unknown }).polluted).toBeUndefined()
    }
  })

  it('still validates the fields it knows, protocols included', async () => {
    for (const protocols of [[], ['2'], [0], [1.5], 2]) {
      expect(ChatRequestSchema.safeParse({ ...request(['m']), protocols }).success).toBe(false)
    }
  })
})

// ---- Reasoning, stop reasons and metrics (protocol v2), on an injected clock -------------------------------------

/** One step of a scripted model: wait this long on the test's clock, then yield the event (or hang until aborted). */
type Step = { waitMs?: number; event: ModelEvent } | { waitMs?: number; hang: true } | { waitMs?: number; fail: Error }

/** A model that plays its steps on the injected clock: the stand-in for a provider, at the edge of the system. */
function clockedModels(clock: ManualClock, scripts: Record<string, Step[]>): ModelResolver {
  const wait = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason)
      const timer = clock.setTimeout(resolve, ms)
      signal.addEventListener('abort', () => (clock.clearTimeout(timer), reject(signal.reason)), { once: true })
    })
  const provider = (steps: Step[]): ModelProvider => ({
    async *stream({ signal }) {
      for (const step of steps) {
        if (step.waitMs) await wait(step.waitMs, signal)
        if ('hang' in step) await wait(Number.MAX_SAFE_INTEGER, signal)
        if ('fail' in step) throw step.fail
        if ('event' in step) yield step.event
      }
    },
  })
  return { resolve: (modelId) => (scripts[modelId] ? provider(scripts[modelId]) : undefined) }
}

/** Keeps every payload as it went on the wire and decodes it as a client would (schema checks included). */
class WirePublisher implements Publisher {
  readonly payloads: string[] = []
  async publish(_topic: string, payload: string): Promise<void> {
    this.payloads.push(payload)
  }
  chunks(modelId: string): ChunkMessage[] {
    return this.payloads
      .map((payload) =>
        decodeChunk(TOPIC, new TextEncoder().encode(payload), { prefix: 'streamdesk', userId: 'user-1' }),
      )
      .map((decoded) => {
        if (!decoded.ok) throw new Error(`the client would drop a chunk: ${decoded.detail}`)
        return decoded.message
      })
      .filter((m) => m.modelId === modelId)
      .sort((a, b) => a.seq - b.seq)
  }
  channels(modelId: string): { text: string; reasoning: string; final: FinalMarker } {
    const chunks = this.chunks(modelId)
    return {
      text: chunks.map((c) => c.text).join(''),
      reasoning: chunks.map((c) => c.reasoning ?? '').join(''),
      final: chunks.at(-1)!.final!,
    }
  }
}

const TOPIC = 'streamdesk/user-1/stream-1'
const reasoning = (text: string, waitMs = 0): Step => ({ waitMs, event: { type: 'reasoning', text } })
const answer = (text: string, waitMs = 0): Step => ({ waitMs, event: { type: 'delta', text } })

/** Runs the handler on a manual clock, advancing it `stepMs` at a time until every model has ended. */
async function runClocked(
  scripts: Record<string, Step[]>,
  options: {
    protocols?: number[]
    stepMs?: number
    deps?: Partial<ChatHandlerDeps>
    until?: (now: number) => void
  } = {},
) {
  const clock = new ManualClock()
  const publisher = new WirePublisher()
  let summaries: ModelStreamSummary[] | undefined
  const done = handleChatRequest(
    { ...request(Object.keys(scripts)), ...(options.protocols ? { protocols: options.protocols } : {}) },
    { publisher, models: clockedModels(clock, scripts), clock, coalescing: { windowMs: 60 }, ...options.deps },
  ).then((result) => (summaries = result))
  for (let rounds = 0; summaries === undefined; rounds++) {
    if (rounds > 100_000) throw new Error('the handler never ended')
    await new Promise((resolve) => setImmediate(resolve))
    if (summaries !== undefined) break
    clock.advance(options.stepMs ?? 1_000)
    options.until?.(clock.now())
  }
  await done
  return { publisher, summaries: summaries!, clock }
}

describe('chat handler: reasoning, stop reasons and metrics', () => {
  const thinkThenAnswer: Step[] = [
    reasoning('The user asks ', 300),
    reasoning('for 6×7 🤔. ', 200),
    { event: { type: 'reasoning-signature', signature: 'c2lnbmF0dXJl' } },
    answer('It is ', 2_500),
    answer('42.', 100),
    { event: { type: 'usage', inputTokens: 12, outputTokens: 40, reasoningTokens: 30 } },
    { event: { type: 'stop', reason: 'max-tokens', raw: 'length' } },
  ]

  it('publishes reasoning in its own v2 channel with both digests, the stop reason and metrics on the clock', async () => {
    const { publisher, summaries } = await runClocked({ r1: thinkThenAnswer }, { protocols: [1, 2], stepMs: 50 })
    const { text, reasoning: thought, final } = publisher.channels('r1')
    expect(text).toBe('It is 42.')
    expect(thought).toBe('The user asks for 6×7 🤔. ')
    expect(final).toMatchObject({
      status: 'complete',
      sha256: sha256Hex('It is 42.'),
      reasoningSha256: sha256Hex('The user asks for 6×7 🤔. '),
      stopReason: 'max-tokens',
      metrics: {
        inputTokens: 12,
        outputTokens: 40,
        reasoningTokens: 30,
        firstTokenMs: 300,
        firstAnswerTokenMs: 3_000,
        durationMs: 3_100,
      },
    })
    expect(final).not.toHaveProperty('rawStopReason')
    // No chunk ever carries reasoning in its answer text.
    for (const chunk of publisher.chunks('r1')) expect(chunk.text).not.toMatch(/asks|6×7/)
    expect(summaries[0]).toMatchObject({
      status: 'complete',
      stopReason: 'max-tokens',
      characters: 9,
      reasoningCharacters: thought.length,
      reasoningSignatures: ['c2lnbmF0dXJl'],
    })
  })

  it('never shows reasoning to a v1 client: not as text, not at all, and its final keeps usage only', async () => {
    for (const protocols of [undefined, [1]]) {
      const { publisher } = await runClocked(
        { r1: thinkThenAnswer },
        { ...(protocols ? { protocols } : {}), stepMs: 50 },
      )
      const chunks = publisher.chunks('r1')
      expect(new Set(chunks.map((c) => c.v))).toEqual(new Set([1]))
      expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i))
      expect(publisher.channels('r1').text).toBe('It is 42.')
      for (const payload of publisher.payloads) expect(payload).not.toMatch(/asks|6×7|reasoning|stopReason|metrics/)
      expect(JSON.parse(publisher.payloads.find((p) => p.includes('"final"'))!).final).toEqual({
        total: chunks.length,
        status: 'complete',
        sha256: sha256Hex('It is 42.'),
        usage: { inputTokens: 12, outputTokens: 40 },
      })
    }
  })

  it('counts reasoning as activity: 300 s of thinking every 10 s outlives a 120 s idle timeout; true silence does not', async () => {
    const thinking = Array.from({ length: 30 }, (_, i) => reasoning(`step ${i}. `, 10_000))
    const long = await runClocked(
      { r1: [...thinking, answer('Done.', 10_000)] },
      { protocols: [2], deps: { idleTimeoutMs: 120_000 } },
    )
    expect(long.publisher.channels('r1')).toMatchObject({
      text: 'Done.',
      reasoning: thinking.map((s) => ('event' in s && s.event.type === 'reasoning' ? s.event.text : '')).join(''),
      final: { status: 'complete', stopReason: 'end', metrics: { firstTokenMs: 10_000, durationMs: 310_000 } },
    })

    let endedAt: number | undefined
    const silent = await runClocked(
      { r1: [...thinking, { hang: true }] },
      { protocols: [2], deps: { idleTimeoutMs: 120_000 }, until: (now) => (endedAt ??= now) && undefined },
    )
    const { final } = silent.publisher.channels('r1')
    expect(final).toMatchObject({
      status: 'error',
      error: { code: 'timeout', message: 'The model sent nothing for 120 s.' },
      stopReason: 'error',
      metrics: { durationMs: 300_000 },
    })
    // It fired 120 s after the last reasoning delta, not earlier (the clock ran on 1 s steps).
    expect(silent.clock.now()).toBeGreaterThanOrEqual(420_000)
    expect(silent.clock.now()).toBeLessThanOrEqual(421_000)
    expect(endedAt).toBeDefined()
  })

  it("says why each answer ended: the provider's reason, 'end' when it gave none, 'user', 'error', 'other' with its word", async () => {
    const stop = new AbortController()
    const { publisher, summaries } = await runClocked(
      {
        filtered: [answer('Sorry'), { event: { type: 'stop', reason: 'content-filter', raw: 'content_filter' } }],
        silentEnd: [answer('Hi.')],
        stopped: [answer('Long', 100), { waitMs: 1, hang: true }],
        failed: [answer('par'), { fail: new ModelError('rate-limited', 'Too many requests.') }],
        paused: [answer('…'), { event: { type: 'stop', reason: 'other', raw: 'pause_turn' } }],
        unknown: [answer('?'), { event: { type: 'stop', reason: 'refusal' as StopReason } }],
        nameless: [answer('!'), { event: { type: 'stop', reason: 'other' } }],
      },
      {
        protocols: [2],
        deps: { stopSignal: (modelId) => (modelId === 'stopped' ? stop.signal : undefined) },
        until: (now) => (now >= 2_000 ? stop.abort() : undefined),
      },
    )
    const end = (modelId: string) => publisher.channels(modelId).final
    expect(end('filtered')).toMatchObject({ status: 'complete', stopReason: 'content-filter' })
    expect(end('filtered')).not.toHaveProperty('rawStopReason')
    expect(end('silentEnd')).toMatchObject({ status: 'complete', stopReason: 'end' })
    expect(end('stopped')).toMatchObject({ status: 'stopped', stopReason: 'user' })
    expect(end('failed')).toMatchObject({ status: 'error', stopReason: 'error', error: { code: 'rate-limited' } })
    expect(end('paused')).toMatchObject({ status: 'complete', stopReason: 'other', rawStopReason: 'pause_turn' })
    expect(end('unknown')).toMatchObject({ status: 'complete', stopReason: 'other', rawStopReason: 'refusal' })
    expect(end('nameless')).toMatchObject({ status: 'complete', stopReason: 'other', rawStopReason: 'unknown' })
    expect(summaries.map((s) => s.stopReason)).toEqual([
      'content-filter',
      'end',
      'user',
      'error',
      'other',
      'other',
      'other',
    ])
  })

  it('ends a tool-call-only answer complete with stop reason tool-call and its bounded tool names', async () => {
    const names = [...Array.from({ length: 20 }, (_, i) => `tool_${i}`), '']
    names[1] = `${'x'.repeat(127)}😀tail`
    const { publisher } = await runClocked(
      {
        tools: [{ event: { type: 'stop', reason: 'tool-call', raw: 'tool_use', toolNames: ['get_weather'] } }],
        many: [{ event: { type: 'stop', reason: 'tool-call', toolNames: names } }],
      },
      { protocols: [2] },
    )
    const tools = publisher.channels('tools')
    expect(tools.text).toBe('')
    expect(tools.final).toMatchObject({
      status: 'complete',
      stopReason: 'tool-call',
      toolNames: ['get_weather'],
      sha256: sha256Hex(''),
    })
    const many = publisher.channels('many').final.toolNames!
    expect(many).toHaveLength(MAX_TOOL_NAMES)
    expect(many[1]).toBe('x'.repeat(127)) // cut at the bound, never through the emoji's surrogate pair
    expect(many[0]).toBe('tool_0')
  })

  it('counts redacted reasoning blocks and keeps signatures out of the wire', async () => {
    const { publisher, summaries } = await runClocked(
      {
        claude: [
          { event: { type: 'redacted-reasoning' } },
          reasoning('Visible thought.'),
          { event: { type: 'reasoning-signature', signature: 'sig-1' } },
          { event: { type: 'redacted-reasoning' } },
          answer('Answer.'),
        ],
      },
      { protocols: [2] },
    )
    expect(publisher.channels('claude').final).toMatchObject({ redactedReasoning: 2, stopReason: 'end' })
    expect(publisher.payloads.join('')).not.toContain('sig-1')
    expect(summaries[0]!.reasoningSignatures).toEqual(['sig-1'])
  })

  it('bounds each channel: a model that passes the bound is stopped there with an error that says so', async () => {
    let aborted = false
    const endless: ModelResolver = {
      resolve: () => ({
        async *stream({ signal }) {
          signal.addEventListener('abort', () => (aborted = true))
          yield { type: 'delta', text: 'Answer first. ' }
          for (let i = 0; ; i++) yield { type: 'reasoning', text: `thought ${i} `.padEnd(50, '.') }
        },
      }),
    }
    const publisher = new WirePublisher()
    const [summary] = await handleChatRequest(
      { ...request(['r1']), protocols: [2] },
      { publisher, models: endless, coalescing: { windowMs: 0 }, maxChannelChars: 1_000 },
    )
    const { text, reasoning: thought, final } = publisher.channels('r1')
    expect(final).toMatchObject({
      status: 'error',
      stopReason: 'error',
      error: { code: 'bad-response', message: expect.stringMatching(/reasoning passed 1,000 characters/) },
    })
    expect(text).toBe('Answer first. ')
    expect(thought.length).toBeLessThanOrEqual(1_000)
    expect(thought.length).toBeGreaterThan(900)
    expect(final.reasoningSha256).toBe(sha256Hex(thought))
    expect(aborted).toBe(true)
    expect(summary!.status).toBe('error')
    expect(MAX_CHANNEL_CHARS).toBeGreaterThanOrEqual(1_000_000)
  })

  it('archives each channel whole with the end details the final marker carries (reasoning only for a v2 client)', async () => {
    for (const protocols of [[1, 2], [1]]) {
      const saved: AnswerRecord[] = []
      const { publisher } = await runClocked(
        { r1: thinkThenAnswer },
        { protocols, stepMs: 50, deps: { archive: { save: async (record) => void saved.push(record) } } },
      )
      const { final } = publisher.channels('r1')
      expect(saved).toHaveLength(1)
      expect(saved[0]).toMatchObject({
        text: 'It is 42.',
        sha256: final.sha256,
        chunks: final.total,
        usage: { inputTokens: 12, outputTokens: 40 },
        stopReason: 'max-tokens',
      })
      if (protocols.includes(2)) {
        expect(saved[0]).toMatchObject({
          reasoning: 'The user asks for 6×7 🤔. ',
          reasoningSha256: final.reasoningSha256,
          metrics: final.metrics,
        })
      } else {
        expect(saved[0]).not.toHaveProperty('reasoning')
        expect(saved[0]).not.toHaveProperty('reasoningSha256')
      }
    }
  })

  it('skips delta and reasoning events whose text is not a string, keeping everything else', async () => {
    const bad = (type: 'delta' | 'reasoning', text: unknown): Step => ({ event: { type, text } as ModelEvent })
    const { publisher } = await runClocked(
      {
        m: [
          reasoning('Fine thought. '),
          bad('reasoning', 42),
          bad('reasoning', null),
          bad('delta', { text: 'x' }),
          answer('Fine answer.'),
          bad('delta', undefined),
        ],
      },
      { protocols: [2] },
    )
    expect(publisher.channels('m')).toMatchObject({
      text: 'Fine answer.',
      reasoning: 'Fine thought. ',
      final: { status: 'complete', sha256: sha256Hex('Fine answer.') },
    })
  })

  it('ignores token counts that are not sane integers, so the final marker stays valid on the wire', async () => {
    const { publisher } = await runClocked(
      {
        m: [
          answer('x'),
          { event: { type: 'usage', inputTokens: 7, outputTokens: -1, reasoningTokens: 1.5 } },
          { event: { type: 'usage', outputTokens: 1e12 } },
          { event: { type: 'usage', outputTokens: 3 } },
        ],
      },
      { protocols: [2] },
    )
    // `channels` decodes every payload with the client's own checks: a bad count would have thrown there.
    expect(publisher.channels('m').final.metrics).toEqual({
      inputTokens: 7,
      outputTokens: 3,
      firstTokenMs: 0,
      firstAnswerTokenMs: 0,
      durationMs: 0,
    })
  })
})
