/**
 * The chat Lambda with its spend guard (issue 17): a prompt is admitted before any model is called, refused with the
 * budget message in every column when a budget is used, settled with the tokens the models reported, and always
 * gives its stream slot back. The user is the Lambda context's identity, never the request's. AWS at the SDK edge.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  ThrottlingException,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime'
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { catalogOutputBound, createCloudModelResolver, type ModelCatalog } from '../../../src-main/backend/cloud-models'
import { createChatLambdaHandler, spendLimitsFromEnv } from '../../../src-main/backend/lambda/chat-lambda'
import {
  IMAGE_TOKEN_BOUND,
  PDF_PAGE_TOKEN_BOUND,
  SpendGuard,
  type SpendLimits,
} from '../../../src-main/backend/spend-guard'
import type { ChunkMessage } from '../../../src-main/protocol/stream-protocol'
import { DynamoItemTable } from '../../support/dynamo-item-table'
import { ManualClock } from '../../support/manual-clock'
import { answerAsIdle } from './idle-iot-data'
import { IDENTITY, invocationContext, OTHER_IDENTITY, POOL } from './lambda-callers'

const bedrock = mockClient(BedrockRuntimeClient)
const iotData = mockClient(IoTDataPlaneClient)
const dynamo = mockClient(DynamoDBClient)

const CATALOG: ModelCatalog = [
  {
    id: 'claude',
    label: 'Claude',
    provider: 'bedrock',
    modelId: 'eu.anthropic.claude-sonnet-4-20250514-v1:0',
    reasoning: true,
  },
  {
    id: 'haiku',
    label: 'Haiku',
    provider: 'bedrock',
    modelId: 'eu.anthropic.claude-3-haiku-20240307-v1:0',
    maxTokens: 1_000,
  },
]
const LIMITS: SpendLimits = { dailyTokens: 200_000, monthlyTokens: 3_000_000, concurrentStreams: 2 }
const MONTH = (user = IDENTITY) => ({ userId: user, period: 'tokens#2026-12' })

async function* converse(texts: string[], usage = { inputTokens: 20, outputTokens: 30 }) {
  for (const text of texts) {
    await new Promise((resolve) => setImmediate(resolve))
    yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text } } } as ConverseStreamOutput
  }
  yield { metadata: { usage: { ...usage, totalTokens: 0 }, metrics: { latencyMs: 1 } } } as ConverseStreamOutput
}

let table: DynamoItemTable
let clock: ManualClock
let logs: Array<Record<string, unknown>>

beforeEach(() => {
  bedrock.reset()
  answerAsIdle(iotData)
  dynamo.reset()
  logs = []
  table = new DynamoItemTable(['userId', 'period'])
  table.serve(dynamo)
  clock = new ManualClock()
  clock.advance(Date.parse('2026-12-07T12:00:00Z'))
})

function lambda(limits: Partial<SpendLimits> = {}) {
  return createChatLambdaHandler({
    iotData: new IoTDataPlaneClient({ region: 'eu-west-1' }),
    models: createCloudModelResolver({
      catalog: CATALOG,
      bedrock: new BedrockRuntimeClient({ region: 'eu-west-1' }),
      secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
    }),
    topicPrefix: 'streamdesk',
    identityPoolId: POOL,
    stopPollIntervalMs: 10,
    log: (event, fields) => logs.push({ event, ...fields }),
    chat: { coalescing: { windowMs: 5 }, publishing: { retryBaseMs: 1 } },
    spend: {
      guard: new SpendGuard({
        client: new DynamoDBClient({ region: 'eu-west-1' }),
        tableName: 'sd-spend',
        limits: { ...LIMITS, ...limits },
        // Only the budget's periods follow this clock; the stream's own timers run in real time.
        clock,
      }),
      outputTokenBound: catalogOutputBound(CATALOG),
    },
  })
}

const context = () => ({ ...invocationContext(), getRemainingTimeInMillis: () => 900_000 })
const event = (modelIds: string[], extra: Record<string, unknown> = {}) => ({
  streamId: 'stream-1',
  protocols: [1, 2],
  models: modelIds.map((modelId) => ({ modelId, messages: [{ role: 'user', content: 'What is 2 + 2?' }] })),
  ...extra,
})
const published = () =>
  iotData
    .commandCalls(PublishCommand)
    .map((call) => call.args[0].input)
    .filter((input) => !input.retain)
    .map((input) => ({
      topic: input.topic,
      message: JSON.parse(Buffer.from(input.payload as Uint8Array).toString('utf8')) as ChunkMessage,
    }))

describe('chat Lambda spend guard', () => {
  it('refuses a prompt once the daily budget is used: every column ends with the message, no model is called', async () => {
    table.put(MONTH(), { monthTokens: 199_000, dayTokens07: 199_000 })
    const result = await lambda()(event(['claude', 'haiku']), context())

    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(0)
    expect(result).toMatchObject({ ok: true, models: [{ status: 'error' }, { status: 'error' }] })
    const finals = published().map(({ topic, message }) => ({
      topic,
      modelId: message.modelId,
      v: message.v,
      final: message.final,
    }))
    expect(finals).toEqual(
      ['claude', 'haiku'].map((modelId) => ({
        topic: `streamdesk/${IDENTITY}/stream-1`,
        modelId,
        v: 2,
        final: expect.objectContaining({
          total: 1,
          status: 'error',
          stopReason: 'error',
          error: {
            code: 'rate-limited',
            message: 'Your daily budget of 200,000 tokens is used; it resets at 00:00 UTC',
          },
        }),
      })),
    )
    expect(table.number(MONTH(), 'dayTokens07')).toBe(199_000)
    expect(logs).toContainEqual(expect.objectContaining({ event: 'spend-refused', kind: 'daily-tokens' }))
  })

  it('tells a v3 client which budget stopped it (quota-exceeded with its quota), for the app to word it', async () => {
    table.put(MONTH(), { monthTokens: 3_000_000, dayTokens07: 0 })
    await lambda()(event(['haiku'], { protocols: [1, 2, 3] }), context())
    expect(published().map(({ message }) => message)).toEqual([
      expect.objectContaining({
        v: 3,
        final: expect.objectContaining({
          error: {
            code: 'quota-exceeded',
            message: 'Your monthly budget of 3,000,000 tokens is used; it resets on 2027-01-01 at 00:00 UTC',
          },
          quota: { kind: 'monthly-tokens', limit: 3_000_000, resetsAt: Date.parse('2027-01-01T00:00:00Z') },
        }),
      }),
    ])
  })

  it('refuses a prompt whose worst case alone passes the daily budget, saying how large it is', async () => {
    const big = {
      modelId: 'haiku',
      messages: [{ role: 'user', content: 'Write a book.' }],
      parameters: { maxOutputTokens: 200_000 },
    }
    await lambda()(event([], { protocols: [1, 2, 3], models: [big] }), context())
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(0)
    const [final] = published().map(({ message }) => message.final)
    expect(final?.quota).toMatchObject({ kind: 'daily-tokens', limit: 200_000, requested: expect.any(Number) })
    expect(final?.quota?.requested).toBeGreaterThan(200_000)
    expect(final?.error?.message).toMatch(/^This prompt may use up to 200,0\d\d tokens, more than your daily budget/)
  })

  it('reserves the worst case before calling the model, then settles to input + output tokens', async () => {
    let reservedWhenCalled: number | undefined
    bedrock.on(ConverseStreamCommand).callsFake(() => {
      reservedWhenCalled = table.number(MONTH(), 'dayTokens07')
      return { stream: converse(['Four.'], { inputTokens: 14, outputTokens: 3 }) }
    })
    const result = await lambda()(event(['haiku']), context())
    expect(result).toMatchObject({ ok: true, models: [{ status: 'complete' }] })
    // Haiku's max output (1,000) plus the prompt's estimated input, reserved before Bedrock was asked.
    expect(reservedWhenCalled).toBeGreaterThan(1_000)
    expect(table.number(MONTH(), 'dayTokens07')).toBe(17)
    expect(table.number(MONTH(), 'monthTokens')).toBe(17)
  })

  it("counts a prompt's attachments in the reservation, and refuses one whose files pass the budget", async () => {
    const sha = (digit: string) => digit.repeat(64)
    const key = (digit: string) => `uploads/${IDENTITY}/${sha(digit)}`
    const withFiles = {
      models: [
        {
          modelId: 'haiku',
          messages: [
            {
              role: 'user',
              content: 'What is 2 + 2?',
              attachments: [
                { id: sha('a'), name: 'chart.png', kind: 'image', mediaType: 'image/png', objectKey: key('a') },
                {
                  id: sha('b'),
                  name: 'report.pdf',
                  kind: 'pdf',
                  mediaType: 'application/pdf',
                  objectKey: key('b'),
                  sizeBytes: 90_000,
                  pages: 12,
                },
                {
                  id: sha('c'),
                  name: 'app.log',
                  kind: 'text',
                  mediaType: 'text/plain',
                  objectKey: key('c'),
                  sizeBytes: 30_000,
                },
              ],
            },
          ],
        },
      ],
    }
    const reserved: number[] = []
    bedrock.on(ConverseStreamCommand).callsFake(() => {
      reserved.push(table.number(MONTH(), 'dayTokens07') ?? 0)
      return { stream: converse(['Four.'], { inputTokens: 14, outputTokens: 3 }) }
    })
    await lambda()(event(['haiku']), context())
    table.put(MONTH(), { monthTokens: 0, dayTokens07: 0 })
    await lambda()(event([], withFiles), context())
    // An image at its bound, twelve PDF pages, and a third of the log's bytes.
    expect(reserved[1]! - reserved[0]!).toBe(IMAGE_TOKEN_BOUND + 12 * PDF_PAGE_TOKEN_BOUND + 10_000)

    // The same files no longer fit a nearly used day: refused before any model is called.
    table.put(MONTH(), { monthTokens: 180_000, dayTokens07: 180_000 })
    bedrock.resetHistory()
    const refused = await lambda()(event([], withFiles), context())
    expect(refused).toMatchObject({ ok: true, models: [{ status: 'error' }] })
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(0)
    expect(logs).toContainEqual(expect.objectContaining({ event: 'spend-refused', kind: 'daily-tokens' }))
  })

  it("counts a reasoning model's thinking budget in the reservation", async () => {
    let reserved = 0
    bedrock.on(ConverseStreamCommand).callsFake(() => {
      reserved = table.number(MONTH(), 'dayTokens07') ?? 0
      return { stream: converse(['ok']) }
    })
    await lambda()(
      event([], {
        models: [
          { modelId: 'claude', messages: [{ role: 'user', content: 'Think.' }], parameters: { reasoning: 'high' } },
        ],
      }),
      context(),
    )
    // 4,096 answer tokens by default plus 16,384 of thinking at "high".
    expect(reserved).toBeGreaterThanOrEqual(4_096 + 16_384)
  })

  it('takes the user from the Lambda context: a request naming another user spends and streams as the caller', async () => {
    bedrock.on(ConverseStreamCommand).callsFake(() => ({ stream: converse(['Four.']) }))
    table.put(MONTH(OTHER_IDENTITY), { monthTokens: 0, dayTokens07: 0 })
    await lambda()(event(['haiku'], { userId: OTHER_IDENTITY }), context())

    const keys = dynamo.commandCalls(UpdateItemCommand).map((call) => call.args[0].input.Key?.userId?.S)
    expect(new Set(keys)).toEqual(new Set([IDENTITY]))
    expect(table.number(MONTH(OTHER_IDENTITY), 'dayTokens07')).toBe(0)
    expect(table.number(MONTH(), 'dayTokens07')).toBe(50)
    expect(new Set(published().map((p) => p.topic))).toEqual(new Set([`streamdesk/${IDENTITY}/stream-1`]))
  })

  it('gives the stream slot back when the model fails, and charges nothing for a call that produced nothing', async () => {
    bedrock.on(ConverseStreamCommand).rejects(new ThrottlingException({ message: 'Too many tokens', $metadata: {} }))
    const handler = lambda({ concurrentStreams: 1 })
    await handler(event(['haiku']), context())
    expect(table.number(MONTH(), 'dayTokens07')).toBe(0)
    // The one slot is free again: the next prompt is admitted.
    bedrock.on(ConverseStreamCommand).callsFake(() => ({ stream: converse(['Four.']) }))
    expect(await handler(event(['haiku']), context())).toMatchObject({ models: [{ status: 'complete' }] })
  })

  it('refuses a prompt beyond the concurrent-stream cap while others stream', async () => {
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    bedrock.on(ConverseStreamCommand).callsFake(async () => {
      await held
      return { stream: converse(['Four.']) }
    })
    const handler = lambda({ concurrentStreams: 1 })
    const first = handler(event(['haiku']), context())
    await new Promise((resolve) => setTimeout(resolve, 20))
    const second = await handler(event(['haiku'], { streamId: 'stream-2' }), context())
    expect(second).toMatchObject({
      ok: true,
      models: [
        {
          status: 'error',
          error: { message: 'You already have a prompt streaming, the most at once; ask again when one has finished' },
        },
      ],
    })
    release()
    expect(await first).toMatchObject({ models: [{ status: 'complete' }] })
  })

  it('fails closed: when the budget store cannot be reached, nothing is sent to a model', async () => {
    table.beforeApply = () => {
      throw new Error('connect ETIMEDOUT')
    }
    const result = await lambda()(event(['haiku']), context())
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(0)
    expect(result).toMatchObject({
      models: [{ status: 'error', error: { code: 'internal', message: expect.stringMatching(/budget store/) } }],
    })
  })

  it("answers a usage request with the caller's own usage and limits", async () => {
    table.put(MONTH(), { monthTokens: 12_345, dayTokens07: 2_345 })
    table.put(MONTH(OTHER_IDENTITY), { monthTokens: 999_999, dayTokens07: 99_999 })
    const result = await lambda()({ action: 'usage', userId: OTHER_IDENTITY }, context())
    expect(result).toEqual({
      ok: true,
      usage: {
        dayTokens: 2_345,
        monthTokens: 12_345,
        limits: LIMITS,
        dayResetsAt: Date.parse('2026-12-08T00:00:00Z'),
        monthResetsAt: Date.parse('2027-01-01T00:00:00Z'),
      },
    })
  })

  it('reads its limits from the environment the stack sets, refusing to start on nonsense', () => {
    const env = {
      STREAMDESK_DAILY_TOKENS: '1000',
      STREAMDESK_MONTHLY_TOKENS: '5000',
      STREAMDESK_CONCURRENT_STREAMS: '2',
    }
    expect(spendLimitsFromEnv(env)).toEqual({ dailyTokens: 1000, monthlyTokens: 5000, concurrentStreams: 2 })
    expect(() => spendLimitsFromEnv({ ...env, STREAMDESK_DAILY_TOKENS: '-3' })).toThrow(/positive integer/)
    expect(() => spendLimitsFromEnv({ ...env, STREAMDESK_CONCURRENT_STREAMS: undefined })).toThrow(/not set/)
  })
})
