import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  ThrottlingException,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime'
import {
  GetRetainedMessageCommand,
  IoTDataPlaneClient,
  PublishCommand,
  ResourceNotFoundException,
  type PublishCommandInput,
} from '@aws-sdk/client-iot-data-plane'
import { answerAsIdle } from './idle-iot-data'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import {
  chatLambdaDepsFromEnv,
  createChatLambdaHandler,
  handler,
  type ChatLambdaDeps,
} from '../../../src-main/backend/lambda/chat-lambda'
import type { InvocationContext } from '../../../src-main/backend/lambda/caller-identity'
import { createCloudModelResolver, type ModelCatalog } from '../../../src-main/backend/cloud-models'
import type { ChunkMessage } from '../../../src-main/protocol/stream-protocol'
import { sha256Hex } from '../../support/sha256'
import { ManualClock } from '../../support/manual-clock'
import { DEFAULT_CLOUD_MAX_OUTPUT_TOKENS } from '../../../src-main/shared/generation'

const bedrock = mockClient(BedrockRuntimeClient)
const iotData = mockClient(IoTDataPlaneClient)
const secrets = mockClient(SecretsManagerClient)

const IDENTITY = 'us-east-1:0b8a1f2e-1111-2222-3333-444455556666'
const VICTIM = 'us-east-1:99999999-aaaa-bbbb-cccc-dddddddddddd'
const POOL = 'us-east-1:12345678-aaaa-bbbb-cccc-1234567890ab'
const STREAM = 'stream-1'
const PROMPT = 'What is two plus two?'
const ANSWER = ['Two', ' plus two', ' is four.']

const CLAUDE = 'us.anthropic.claude-3-5-haiku-20241022-v1:0'
const NOVA = 'us.amazon.nova-lite-v1:0'
const CATALOG: ModelCatalog = [
  { id: 'claude', label: 'Claude', provider: 'bedrock', modelId: CLAUDE },
  { id: 'nova', label: 'Nova', provider: 'bedrock', modelId: NOVA },
]
const CONTROL_TOPIC = `streamdesk/${IDENTITY}/control/${STREAM}`

const context = (
  identity: { cognitoIdentityId: string; cognitoIdentityPoolId: string } | null = {
    cognitoIdentityId: IDENTITY,
    cognitoIdentityPoolId: POOL,
  },
): InvocationContext => ({
  awsRequestId: 'request-1',
  ...(identity ? { identity } : {}),
  getRemainingTimeInMillis: () => 900_000,
})

const event = (modelIds: string[], extra: Record<string, unknown> = {}) => ({
  streamId: STREAM,
  models: modelIds.map((modelId) => ({ modelId, messages: [{ role: 'user', content: PROMPT }] })),
  ...extra,
})

async function* converse(texts: string[], delayMs = 0): AsyncGenerator<ConverseStreamOutput> {
  for (const text of texts) {
    await new Promise((resolve) => (delayMs > 0 ? setTimeout(resolve, delayMs) : setImmediate(resolve)))
    yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text } } }
  }
  yield { metadata: { usage: { inputTokens: 9, outputTokens: 6, totalTokens: 15 }, metrics: { latencyMs: 3 } } }
}

/** A model that keeps talking (a bounded while) until its consumer lets go. */
async function* endless(): AsyncGenerator<ConverseStreamOutput> {
  for (let i = 0; i < 500; i++) {
    yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text: `word${i} ` } } }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

let logs: Array<Record<string, unknown>>
beforeEach(() => {
  logs = []
  bedrock.reset()
  secrets.reset()
  answerAsIdle(iotData)
})

function lambda(overrides: Partial<ChatLambdaDeps> = {}) {
  return createChatLambdaHandler({
    iotData: new IoTDataPlaneClient({ region: 'us-east-1' }),
    models: createCloudModelResolver({
      catalog: CATALOG,
      bedrock: new BedrockRuntimeClient({ region: 'us-east-1' }),
      secrets: new SecretsManagerClient({ region: 'us-east-1' }),
    }),
    topicPrefix: 'streamdesk',
    identityPoolId: POOL,
    stopPollIntervalMs: 10,
    log: (name, fields) => logs.push({ event: name, ...fields }),
    chat: { coalescing: { windowMs: 5 }, publishing: { retryBaseMs: 1 } },
    ...overrides,
  })
}

const publishInputs = (): PublishCommandInput[] =>
  iotData.commandCalls(PublishCommand).map((call) => call.args[0].input)
/** The chunk messages published (retained control clears excluded), in publish order. */
const chunks = () =>
  publishInputs()
    .filter((input) => !input.retain)
    .map((input) => ({
      topic: input.topic,
      message: JSON.parse(Buffer.from(input.payload as Uint8Array).toString('utf8')) as ChunkMessage,
    }))
/** One model's chunks by sequence number; a retried publish is recorded twice, as a QoS 1 duplicate would be. */
const forModel = (modelId: string) =>
  [
    ...new Map(
      chunks()
        .map((c) => c.message)
        .filter((m) => m.modelId === modelId)
        .map((m) => [m.seq, m]),
    ).values(),
  ].sort((a, b) => a.seq - b.seq)
const textOf = (modelId: string) =>
  forModel(modelId)
    .map((m) => m.text)
    .join('')

describe('chat Lambda', () => {
  it('streams to <prefix>/<caller identity>/<streamId>, ignoring a forged userId in the event', async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: converse(ANSWER) })
    const result = await lambda()(event(['claude'], { userId: VICTIM }), context())

    expect(result).toMatchObject({ ok: true, streamId: STREAM, models: [{ modelId: 'claude', status: 'complete' }] })
    expect(new Set(chunks().map((c) => c.topic))).toEqual(new Set([`streamdesk/${IDENTITY}/${STREAM}`]))
    expect(publishInputs().some((input) => input.topic?.includes(VICTIM))).toBe(false)
    expect(publishInputs().every((input) => input.qos === 1)).toBe(true)
    expect(textOf('claude')).toBe(ANSWER.join(''))
    const sequence = forModel('claude')
    expect(sequence.map((m) => m.seq)).toEqual(sequence.map((_, i) => i))
    expect(sequence.at(-1)!.final).toEqual({
      total: sequence.length,
      status: 'complete',
      sha256: sha256Hex(ANSWER.join('')),
      usage: { inputTokens: 9, outputTokens: 6 },
    })
    expect(bedrock.commandCalls(ConverseStreamCommand).map((c) => c.args[0].input)).toEqual([
      // A cloud model with no max tokens set anywhere gets the default, so no answer runs to the model's maximum.
      {
        modelId: CLAUDE,
        messages: [{ role: 'user', content: [{ text: PROMPT }] }],
        inferenceConfig: { maxTokens: DEFAULT_CLOUD_MAX_OUTPUT_TOKENS },
      },
    ])
    expect(logs).toContainEqual(expect.objectContaining({ event: 'forged-user-id-ignored', forgedUserId: VICTIM }))
  })

  it("announces the prompt to the caller's other devices on the caller's own topic, whatever userId the event names", async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: converse(ANSWER) })
    const origin = { deviceId: '0123456789abcdef', conversationId: 'conversation-1' }
    await lambda()(event(['claude', 'nova'], { userId: VICTIM, origin }), context())

    const announcements = publishInputs().filter((input) => input.topic?.includes('/announce/'))
    expect(announcements.map((input) => input.topic)).toEqual([`streamdesk/${IDENTITY}/announce/${STREAM}`])
    expect(JSON.parse(Buffer.from(announcements[0]!.payload as Uint8Array).toString('utf8'))).toEqual({
      v: 1,
      streamId: STREAM,
      ...origin,
      prompt: PROMPT,
      models: ['claude', 'nova'],
      at: expect.any(Number) as number,
    })
    expect(publishInputs().some((input) => input.topic?.includes(VICTIM))).toBe(false)
  })

  it('streams without an announcement when the origin names a forged (malformed) device id', async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: converse(ANSWER) })
    const origin = { deviceId: 'us-east-1:someone/+', conversationId: 'conversation-1' }
    const result = await lambda()(event(['claude'], { origin }), context())

    expect(result).toMatchObject({ ok: true, models: [{ modelId: 'claude', status: 'complete' }] })
    expect(publishInputs().filter((input) => input.topic?.includes('/announce/'))).toEqual([])
    expect(textOf('claude')).toBe(ANSWER.join(''))
  })

  it("reads the stop requests of the caller's stream and clears them when done", async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: converse(ANSWER) })
    await lambda()(event(['claude']), context())
    const reads = iotData.commandCalls(GetRetainedMessageCommand).map((c) => c.args[0].input)
    expect(reads.length).toBeGreaterThan(0)
    expect(new Set(reads.map((r) => r.topic))).toEqual(new Set([CONTROL_TOPIC]))
    expect(publishInputs().at(-1)).toEqual({ topic: CONTROL_TOPIC, qos: 1, retain: true, payload: new Uint8Array(0) })
  })

  it.each([
    ['no identity', null, /no Cognito identity/],
    [
      'an identity of another pool',
      { cognitoIdentityId: IDENTITY, cognitoIdentityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000' },
      /another identity pool/,
    ],
    ['a malformed identity id', { cognitoIdentityId: 'us-east-1:../../#', cognitoIdentityPoolId: POOL }, /malformed/],
  ])(
    'refuses a caller with %s, calling neither Bedrock nor IoT Core, and logs why',
    async (_name, identity, reason) => {
      const result = await lambda()(event(['claude'], { userId: IDENTITY }), context(identity))
      expect(result).toMatchObject({ ok: false, error: 'no-identity', detail: expect.stringMatching(reason) })
      expect(bedrock.calls()).toHaveLength(0)
      expect(iotData.calls()).toHaveLength(0)
      expect(logs).toEqual([expect.objectContaining({ event: 'chat-refused', reason: expect.stringMatching(reason) })])
    },
  )

  it('refuses an invalid event without throwing (a throw would make Lambda retry the invocation)', async () => {
    const result = await lambda()({ streamId: 'a/b', models: [] }, context())
    expect(result).toMatchObject({ ok: false, error: 'invalid-event' })
    expect(bedrock.calls()).toHaveLength(0)
    expect(iotData.calls()).toHaveLength(0)
  })

  it('turns Bedrock throttling into an error final with the code rate-limited', async () => {
    bedrock.on(ConverseStreamCommand).rejects(new ThrottlingException({ message: 'Too many tokens', $metadata: {} }))
    const result = await lambda()(event(['claude']), context())
    expect(forModel('claude')).toEqual([
      {
        v: 1,
        streamId: STREAM,
        modelId: 'claude',
        seq: 0,
        text: '',
        final: {
          total: 1,
          status: 'error',
          sha256: sha256Hex(''),
          error: { code: 'rate-limited', message: expect.stringContaining('Too many tokens') },
        },
      },
    ])
    expect(result).toMatchObject({ ok: true, models: [{ status: 'error', error: { code: 'rate-limited' } }] })
  })

  it('retries a failed publish, so the answer still arrives whole', async () => {
    iotData
      .on(PublishCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({})
    bedrock.on(ConverseStreamCommand).resolves({ stream: converse(ANSWER) })
    const result = await lambda()(event(['claude']), context())
    expect(textOf('claude')).toBe(ANSWER.join(''))
    const sent = forModel('claude')
    expect(sent.map((m) => m.seq)).toEqual(sent.map((_, i) => i))
    const [failed, clear] = [1, 1]
    expect(iotData.commandCalls(PublishCommand)).toHaveLength(sent.length + failed + clear)
    expect(result).toMatchObject({ ok: true, models: [{ failedPublishes: 0 }] })
  })

  it("stops one model when the app's retained control message names it, while the other completes", async () => {
    bedrock.on(ConverseStreamCommand, { modelId: CLAUDE }).resolves({ stream: endless() })
    bedrock.on(ConverseStreamCommand, { modelId: NOVA }).resolves({ stream: converse(ANSWER) })
    // The app presses stop once the first words of the long answer have arrived.
    iotData.on(GetRetainedMessageCommand).callsFake(() => {
      if (forModel('claude').length === 0) throw new ResourceNotFoundException({ message: 'none', $metadata: {} })
      return { topic: CONTROL_TOPIC, qos: 1, payload: new TextEncoder().encode('{"stop":["claude"]}') }
    })
    const started = Date.now()
    const result = await lambda()(event(['claude', 'nova']), context())

    expect(Date.now() - started).toBeLessThan(3000) // the endless model would take 5 s
    expect(forModel('claude').at(-1)!.final).toEqual({
      total: forModel('claude').length,
      status: 'stopped',
      sha256: sha256Hex(textOf('claude')),
    })
    expect(textOf('claude')).toMatch(/^word0 /)
    expect(forModel('nova').at(-1)!.final!.status).toBe('complete')
    expect(textOf('nova')).toBe(ANSWER.join(''))
    expect(result).toMatchObject({
      ok: true,
      models: [
        { modelId: 'claude', status: 'stopped' },
        { modelId: 'nova', status: 'complete' },
      ],
    })
    expect(logs).toContainEqual(expect.objectContaining({ event: 'models-stopped', modelIds: ['claude'] }))
    expect(publishInputs().at(-1)).toEqual({ topic: CONTROL_TOPIC, qos: 1, retain: true, payload: new Uint8Array(0) })
  })

  it('stops every model on {"stop": "all"}, even one requested during a cold start', async () => {
    bedrock.on(ConverseStreamCommand).callsFake(() => ({ stream: endless() }))
    iotData
      .on(GetRetainedMessageCommand)
      .resolves({ topic: CONTROL_TOPIC, qos: 1, payload: new TextEncoder().encode('{"stop":"all"}') })
    const result = await lambda()(event(['claude', 'nova']), context())
    expect(result).toMatchObject({ ok: true, models: [{ status: 'stopped' }, { status: 'stopped' }] })
    // Having stopped everything, it stopped reading.
    expect(iotData.commandCalls(GetRetainedMessageCommand)).toHaveLength(1)
  })

  it('ignores a malformed control message and keeps streaming', async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: converse(ANSWER, 20) })
    iotData
      .on(GetRetainedMessageCommand)
      .resolves({ topic: CONTROL_TOPIC, qos: 1, payload: new TextEncoder().encode('{"stop":42}') })
    await lambda()(event(['claude']), context())
    expect(forModel('claude').at(-1)!.final!.status).toBe('complete')
    expect(iotData.commandCalls(GetRetainedMessageCommand).length).toBeGreaterThan(2)
    expect(logs.filter((l) => l.event === 'stop-request-ignored')).toHaveLength(1) // read many times, logged once
  })

  it('ends a model that would outlive the Lambda with a timeout final, before Lambda kills it', async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: endless() })
    const shortLived = { ...context(), getRemainingTimeInMillis: () => 250 }
    const result = await lambda({ deadlineMarginMs: 200 })(event(['claude']), shortLived)
    expect(forModel('claude').at(-1)!.final).toMatchObject({ status: 'error', error: { code: 'timeout' } })
    expect(result).toMatchObject({ ok: true, models: [{ status: 'error' }] })
  })

  it('answers in the highest protocol version the event states, tolerating keys it does not know', async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: converse(ANSWER) })
    const result = await lambda()(event(['claude'], { protocols: [1, 2], fromTheFuture: { x: 1 } }), context())
    expect(result).toMatchObject({ ok: true, models: [{ modelId: 'claude', status: 'complete' }] })
    const sequence = forModel('claude')
    expect(new Set(sequence.map((m) => m.v))).toEqual(new Set([2]))
    expect(textOf('claude')).toBe(ANSWER.join(''))
    expect(sequence.at(-1)!.final).toEqual({
      total: sequence.length,
      status: 'complete',
      sha256: sha256Hex(ANSWER.join('')),
      stopReason: 'end',
      metrics: {
        inputTokens: 9,
        outputTokens: 6,
        // Timings measured in the Lambda where Bedrock's bytes arrive (real time here).
        firstTokenMs: expect.any(Number),
        firstAnswerTokenMs: expect.any(Number),
        durationMs: expect.any(Number),
      },
    })
    expect(logs).toContainEqual(expect.objectContaining({ event: 'chat-started', protocols: [1, 2] }))
  })

  it('logs ids and sizes only, never the prompt or the answer', async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: converse(ANSWER) })
    await lambda()(event(['claude'], { userId: VICTIM }), context())
    const logged = JSON.stringify(logs)
    expect(logged).toContain(IDENTITY)
    expect(logged).not.toContain(PROMPT)
    for (const words of ANSWER) expect(logged).not.toContain(words.trim())
    expect(logs.map((l) => l.event)).toEqual(['forged-user-id-ignored', 'chat-started', 'chat-finished'])
  })

  it('logs how many reasoning signatures a model sent, never the signatures or the reasoning', async () => {
    const thinker = {
      async *stream() {
        yield { type: 'reasoning' as const, text: 'secret-thought' }
        yield { type: 'reasoning-signature' as const, signature: 'secret-signature' }
        yield { type: 'delta' as const, text: 'Answer.' }
      },
    }
    await lambda({ models: { resolve: () => thinker } })(event(['claude'], { protocols: [1, 2] }), context())
    const logged = JSON.stringify(logs)
    expect(logged).not.toContain('secret-signature')
    expect(logged).not.toContain('secret-thought')
    const finished = logs.find((l) => l.event === 'chat-finished') as { models: Array<Record<string, unknown>> }
    expect(finished.models[0]).toMatchObject({ status: 'complete', reasoningSignatures: 1, stopReason: 'end' })
  })
})

describe("chat Lambda: the user connection's publish budget, shared by overlapping invocations", () => {
  const MODELS = Array.from({ length: 8 }, (_, i) => `m${i}`)
  const catalog: ModelCatalog = MODELS.map((id) => ({ id, label: id, provider: 'bedrock', modelId: `${CLAUDE}-${id}` }))

  /** A Bedrock stream at 200 tokens/s on the manual clock: the stand-in for a model, at the SDK edge. */
  async function* tokens(clock: ManualClock, count: number): AsyncGenerator<ConverseStreamOutput> {
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 5))
      yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text: `tok${i} ` } } }
    }
  }

  /** Runs the invocations on one clock, advancing it 1 ms at a time; returns when each IoT publish went out. */
  async function runClocked(events: Array<{ startAtMs: number; event: unknown }>) {
    const clock = new ManualClock()
    const sentAt: number[] = []
    iotData.on(PublishCommand).callsFake((input: PublishCommandInput) => {
      if (!input.retain) sentAt.push(clock.now())
      return {}
    })
    bedrock.on(ConverseStreamCommand).callsFake(() => ({ stream: tokens(clock, 600) }))
    const handler = lambda({
      clock,
      models: createCloudModelResolver({
        catalog,
        bedrock: new BedrockRuntimeClient({ region: 'us-east-1' }),
        secrets: new SecretsManagerClient({ region: 'us-east-1' }),
      }),
      stopPollIntervalMs: 1_000,
      chat: { publishing: { retryBaseMs: 1 } },
    })
    const results: unknown[] = []
    let running = 0
    for (let now = 0; results.length < events.length; now++) {
      if (now > 60_000) throw new Error('the invocations never ended')
      for (const { startAtMs, event } of events) {
        if (startAtMs !== now) continue
        running += 1
        void handler(event, context()).then((result) => results.push(result))
      }
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
      if (running > 0) clock.advance(1)
    }
    return { sentAt, results }
  }

  const worstSecond = (times: number[]) =>
    Math.max(...times.map((end) => times.filter((at) => at > end - 1000 && at <= end).length))

  it('keeps two overlapping 4-model prompts (the second announcing 8 models) within 80 publishes/s together', async () => {
    const { sentAt, results } = await runClocked([
      { startAtMs: 0, event: { ...event(MODELS.slice(0, 4)), concurrentModels: 4 } },
      { startAtMs: 500, event: { ...event(MODELS.slice(4)), streamId: 'stream-2', concurrentModels: 8 } },
    ])
    expect(results).toEqual([expect.objectContaining({ ok: true }), expect.objectContaining({ ok: true })])
    expect(worstSecond(sentAt)).toBeLessThanOrEqual(80)
    expect(worstSecond(sentAt)).toBeGreaterThanOrEqual(70) // the budget is used, not starved
    expect(logs.filter((l) => l.event === 'chat-started').map((l) => l.publishesPerSecond)).toEqual([40, 40])
  })

  it('clamps an announcement that would buy more than its share: 8 models announcing 1 still get 80/s in all', async () => {
    const { sentAt } = await runClocked([{ startAtMs: 0, event: { ...event(MODELS), concurrentModels: 1 } }])
    expect(worstSecond(sentAt)).toBeLessThanOrEqual(80)
    expect(logs.find((l) => l.event === 'chat-started')).toMatchObject({ publishesPerSecond: 80 })
    // Each model's first token left at once, however the budget is shared.
    expect(sentAt.slice(0, 8)).toEqual(Array(8).fill(5))
  })
})

describe('chat Lambda entry point', () => {
  const ENV = {
    STREAMDESK_TOPIC_PREFIX: 'sd-test',
    STREAMDESK_IOT_ENDPOINT: 'abc123-ats.iot.us-east-1.amazonaws.com',
    STREAMDESK_MODELS: JSON.stringify(CATALOG),
    STREAMDESK_IDENTITY_POOL_ID: POOL,
    AWS_REGION: 'us-east-1',
  }
  let saved: NodeJS.ProcessEnv
  beforeEach(() => {
    saved = { ...process.env }
    Object.assign(process.env, ENV)
  })
  afterEach(() => {
    process.env = saved
  })

  it('configures itself from the environment the stack sets, and logs JSON lines to the console', async () => {
    const console = vi.spyOn(globalThis.console, 'log').mockImplementation(() => {})
    bedrock.on(ConverseStreamCommand).resolves({ stream: converse(ANSWER) })
    const result = await handler(event(['claude']), context())
    const lines = console.mock.calls.map(([line]) => JSON.parse(String(line)) as { event: string })
    console.mockRestore()
    expect(lines.map((line) => line.event)).toEqual(['chat-started', 'chat-finished'])
    expect(result).toMatchObject({ ok: true })
    expect(new Set(chunks().map((c) => c.topic))).toEqual(new Set([`sd-test/${IDENTITY}/${STREAM}`]))
    expect(textOf('claude')).toBe(ANSWER.join(''))
  })

  it.each(['STREAMDESK_TOPIC_PREFIX', 'STREAMDESK_IOT_ENDPOINT', 'STREAMDESK_MODELS'])(
    'refuses to start without %s',
    (name) => {
      expect(() => chatLambdaDepsFromEnv({ ...ENV, [name]: '' })).toThrow(name)
    },
  )
})
