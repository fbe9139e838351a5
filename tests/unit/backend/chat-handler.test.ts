import { describe, expect, it } from 'vitest'
import { ChatRequestSchema, handleChatRequest, type ChatHandlerDeps } from '../../../src-main/backend/chat-handler'
import { ModelError, type ModelStreamRequest } from '../../../src-main/backend/model-provider'
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
    const done = run(
      { slow: { deltas: words(1000, 's'), intervalMs: 2 }, other: { deltas: words(5, 'o'), intervalMs: 2 } },
      { stopSignal: (modelId) => (modelId === 'slow' ? stop.signal : undefined) },
    )
    setTimeout(() => stop.abort(), 40)
    const started = Date.now()
    const { publisher, summaries } = await done
    expect(Date.now() - started).toBeLessThan(1000)
    const slow = publisher.forModel('slow')
    expect(slow.at(-1)!.final!.status).toBe('stopped')
    expect(publisher.textOf('slow').length).toBeGreaterThan(0)
    expect(words(1000, 's').join('').startsWith(publisher.textOf('slow'))).toBe(true)
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
      { ...request(['a', 'b']), protocols: [3, 4] },
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
