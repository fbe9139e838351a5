/**
 * The cloud answer store's writer: the exact PutItem the chat Lambda sends for a finished answer (keys, TTL,
 * attributes), that it is written before the final marker is published, and that a failed write is logged and
 * counted without touching the live stream. DynamoDB and IoT Core are mocked at the SDK edge.
 */
import { randomBytes } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { DynamoDBClient, PutItemCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb'
import {
  IoTDataPlaneClient,
  PublishCommand,
  GetRetainedMessageCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-iot-data-plane'
import {
  AnswerTooLargeError,
  DynamoAnswerStore,
  fromAnswerItem,
  MAX_TEXT_BYTES,
  toAnswerItem,
  type AnswerRecord,
  MAX_ANSWER_BYTES,
} from '../../../src-main/backend/answer-store'
import { ArchivedAnswerSchema } from '../../../src-main/protocol/answer-archive'
import { createChatLambdaHandler } from '../../../src-main/backend/lambda/chat-lambda'
import { chatLambdaDepsFromEnv } from '../../../src-main/backend/lambda/chat-lambda'
import type { InvocationContext } from '../../../src-main/backend/lambda/caller-identity'
import type { ModelResolver } from '../../../src-main/backend/model-provider'
import type { ChunkMessage } from '../../../src-main/protocol/stream-protocol'
import { ManualClock } from '../../support/manual-clock'
import { sha256Hex } from '../../support/sha256'

const dynamo = mockClient(DynamoDBClient)
const iotData = mockClient(IoTDataPlaneClient)

const IDENTITY = 'eu-west-1:0b8a1f2e-1111-2222-3333-444455556666'
const VICTIM = 'eu-west-1:99999999-aaaa-bbbb-cccc-dddddddddddd'
const POOL = 'eu-west-1:12345678-aaaa-bbbb-cccc-1234567890ab'
const TABLE = 'sd-test-answers'
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678)

const record: AnswerRecord = {
  userId: IDENTITY,
  streamId: 'stream-1',
  modelId: 'claude',
  text: 'Two plus two is four. 日本語 😀',
  status: 'complete',
  chunks: 3,
  sha256: sha256Hex('Two plus two is four. 日本語 😀'),
  usage: { inputTokens: 9, outputTokens: 6 },
}

const context: InvocationContext = {
  awsRequestId: 'request-1',
  identity: { cognitoIdentityId: IDENTITY, cognitoIdentityPoolId: POOL },
  getRemainingTimeInMillis: () => 900_000,
}

/** A scripted model answering with `deltas`, one per macrotask. */
const models = (scripts: Record<string, string[]>): ModelResolver => ({
  resolve: (modelId) =>
    scripts[modelId] && {
      async *stream() {
        for (const text of scripts[modelId]!) {
          await new Promise((resolve) => setImmediate(resolve))
          yield { type: 'delta' as const, text }
        }
        yield { type: 'usage' as const, inputTokens: 4, outputTokens: 2 }
      },
    },
})

beforeEach(() => {
  dynamo.reset()
  iotData.reset()
  iotData.on(GetRetainedMessageCommand).rejects(new ResourceNotFoundException({ message: 'none', $metadata: {} }))
})
afterEach(() => {
  dynamo.reset()
  iotData.reset()
})

describe('answer store items', () => {
  it('keys an answer by the user id and <streamId>#<modelId>, with a TTL a day after it was stored', () => {
    expect(toAnswerItem(record, NOW)).toEqual({
      userId: { S: IDENTITY },
      streamModel: { S: 'stream-1#claude' },
      streamId: { S: 'stream-1' },
      modelId: { S: 'claude' },
      text: { S: record.text },
      status: { S: 'complete' },
      chunks: { N: '3' },
      sha256: { S: record.sha256 },
      usage: { M: { inputTokens: { N: '9' }, outputTokens: { N: '6' } } },
      storedAt: { N: String(NOW) },
      expiresAt: { N: String(Math.floor(NOW / 1000) + 86_400) },
    })
  })

  it("keeps an error answer's code and message, and reads every item back as it was written", () => {
    const failed: AnswerRecord = {
      ...record,
      text: 'Partial',
      status: 'error',
      error: { code: 'rate-limited', message: 'Slow down' },
      usage: undefined!,
    }
    delete (failed as Partial<AnswerRecord>).usage
    const item = toAnswerItem(failed, NOW, 60)
    expect(item.error).toEqual({ M: { code: { S: 'rate-limited' }, message: { S: 'Slow down' } } })
    expect(item.expiresAt).toEqual({ N: String(Math.floor(NOW / 1000) + 60) })
    expect(fromAnswerItem(item)).toEqual({ ...omitUser(failed), storedAt: NOW })
    expect(fromAnswerItem(toAnswerItem(record, NOW))).toEqual({ ...omitUser(record), storedAt: NOW })
  })

  it('compresses an answer too large for a DynamoDB item, and refuses one that is too large even then', () => {
    const big = Array.from({ length: 60_000 }, (_, i) => `word${i} `).join('') // ~500 KB, compressible
    const item = toAnswerItem({ ...record, text: big }, NOW)
    expect(item.text).toBeUndefined()
    expect(gunzipSync(item.textGzip!.B!).toString('utf8')).toBe(big)
    expect(fromAnswerItem(item)?.text).toBe(big)
    const random = randomBytes(MAX_TEXT_BYTES).toString('base64') // incompressible beyond base64's 3/4
    expect(() => toAnswerItem({ ...record, text: random }, NOW)).toThrow(AnswerTooLargeError)
  })

  it('keeps the reasoning and the end details beside the text, and reads them back as written', () => {
    const reasoned: AnswerRecord = {
      ...record,
      reasoning: 'First, 2 + 2 🤔',
      reasoningSha256: sha256Hex('First, 2 + 2 🤔'),
      stopReason: 'tool-call',
      toolNames: ['calculator', 'search'],
      redactedReasoning: 1,
      metrics: { inputTokens: 9, outputTokens: 6, reasoningTokens: 4, firstTokenMs: 210, durationMs: 1_200 },
    }
    const item = toAnswerItem(reasoned, NOW)
    expect(item).toMatchObject({
      reasoning: { S: 'First, 2 + 2 🤔' },
      stopReason: { S: 'tool-call' },
      toolNames: { L: [{ S: 'calculator' }, { S: 'search' }] },
      redactedReasoning: { N: '1' },
      metrics: { M: { reasoningTokens: { N: '4' }, firstTokenMs: { N: '210' } } },
    })
    expect(fromAnswerItem(item)).toEqual({ ...omitUser(reasoned), storedAt: NOW })
    const other = { ...record, stopReason: 'other' as const, rawStopReason: 'pause_turn' }
    expect(fromAnswerItem(toAnswerItem(other, NOW))).toEqual({ ...omitUser(other), storedAt: NOW })
  })

  it('shares the size budget between text and reasoning: both compressed, else the reasoning left out, saying so', () => {
    const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i} `).join('')
    const both = toAnswerItem({ ...record, text: words(30_000, 'a'), reasoning: words(30_000, 'r') }, NOW)
    expect(both.text).toBeUndefined()
    expect(both.reasoning).toBeUndefined()
    expect(fromAnswerItem(both)).toMatchObject({ text: words(30_000, 'a'), reasoning: words(30_000, 'r') })
    const incompressible = randomBytes(200_000).toString('base64') // ~267 KB that gzip cannot shrink much
    const omitted = toAnswerItem({ ...record, text: 'Short answer.', reasoning: incompressible + incompressible }, NOW)
    expect(omitted.reasoningOmitted).toEqual({ BOOL: true })
    expect(fromAnswerItem(omitted)).toMatchObject({ text: 'Short answer.', reasoningOmitted: true })
    expect(fromAnswerItem(omitted)).not.toHaveProperty('reasoning')
    // A text beyond what one fetch-stream response can carry is refused, however well it compresses.
    expect(() => toAnswerItem({ ...record, text: 'x'.repeat(MAX_ANSWER_BYTES + 1) }, NOW)).toThrow(AnswerTooLargeError)
  })

  it('reads an item with attributes it does not know (a newer writer) and drops them', () => {
    const item = { ...toAnswerItem(record, NOW), fromTheFuture: { S: 'x' } }
    expect(fromAnswerItem(item)).toEqual({ ...omitUser(record), storedAt: NOW })
    expect(ArchivedAnswerSchema.parse({ ...omitUser(record), storedAt: NOW, newField: 1 })).not.toHaveProperty(
      'newField',
    )
  })

  it('reads an item that is not a valid answer as nothing', () => {
    expect(fromAnswerItem({ userId: { S: IDENTITY }, streamModel: { S: 'x#y' } })).toBeUndefined()
    expect(fromAnswerItem({ ...toAnswerItem(record, NOW), sha256: { S: 'not hex' } })).toBeUndefined()
  })
})

describe('DynamoAnswerStore.save', () => {
  it('sends one PutItem to the table with the item', async () => {
    dynamo.on(PutItemCommand).resolves({})
    const clock = new ManualClock()
    clock.advance(NOW)
    await new DynamoAnswerStore({ client: new DynamoDBClient({ region: 'eu-west-1' }), tableName: TABLE, clock }).save(
      record,
    )
    expect(dynamo.commandCalls(PutItemCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: TABLE, Item: toAnswerItem(record, NOW) },
    ])
  })
})

describe('the chat Lambda with the answer store', () => {
  function lambda(logs: Array<Record<string, unknown>>) {
    return createChatLambdaHandler({
      iotData: new IoTDataPlaneClient({ region: 'eu-west-1' }),
      models: models({ claude: ['Two', ' plus two', ' is four.'], nova: ['Four.'] }),
      topicPrefix: 'streamdesk',
      identityPoolId: POOL,
      answers: new DynamoAnswerStore({ client: new DynamoDBClient({ region: 'eu-west-1' }), tableName: TABLE }),
      stopPollIntervalMs: 10,
      log: (event, fields) => logs.push({ event, ...fields }),
      chat: { coalescing: { windowMs: 0 }, publishing: { retryBaseMs: 1 } },
    })
  }
  const event = {
    streamId: 'stream-1',
    userId: VICTIM,
    models: ['claude', 'nova'].map((modelId) => ({ modelId, messages: [{ role: 'user', content: 'Sum?' }] })),
  }

  it("stores each answer under the caller's identity (not the event's userId) before publishing its final marker", async () => {
    const order: string[] = []
    dynamo.on(PutItemCommand).callsFake((input: PutItemCommandInput) => {
      order.push(`put ${input.Item!.modelId!.S!}`)
      return {}
    })
    iotData.on(PublishCommand).callsFake((input: { payload?: Uint8Array; retain?: boolean }) => {
      if (input.retain) return {}
      const message = JSON.parse(Buffer.from(input.payload!).toString('utf8')) as ChunkMessage
      if (message.final) order.push(`final ${message.modelId}`)
      return {}
    })
    const logs: Array<Record<string, unknown>> = []
    const result = await lambda(logs)(event, context)

    expect(result).toMatchObject({
      ok: true,
      models: [
        { modelId: 'claude', archived: true },
        { modelId: 'nova', archived: true },
      ],
    })
    for (const modelId of ['claude', 'nova'])
      expect(order.indexOf(`put ${modelId}`)).toBeLessThan(order.indexOf(`final ${modelId}`))
    const items = dynamo.commandCalls(PutItemCommand).map((call) => call.args[0].input)
    expect(items.map((input) => input.TableName)).toEqual([TABLE, TABLE])
    const claude = items.find((input) => input.Item!.modelId!.S === 'claude')!.Item!
    expect(claude).toMatchObject({
      userId: { S: IDENTITY },
      streamModel: { S: 'stream-1#claude' },
      text: { S: 'Two plus two is four.' },
      status: { S: 'complete' },
      sha256: { S: sha256Hex('Two plus two is four.') },
      usage: { M: { inputTokens: { N: '4' }, outputTokens: { N: '2' } } },
    })
    // The stored chunk count and digest are exactly the final marker's.
    const finals = iotData
      .commandCalls(PublishCommand)
      .map((call) => call.args[0].input)
      .filter((input) => !input.retain)
      .map((input) => JSON.parse(Buffer.from(input.payload as Uint8Array).toString('utf8')) as ChunkMessage)
      .filter((message) => message.modelId === 'claude' && message.final)
    expect(finals[0]!.final).toMatchObject({ total: Number(claude.chunks!.N), sha256: claude.sha256!.S })
    expect(JSON.stringify(items)).not.toContain(VICTIM)
    expect(logs).toContainEqual(expect.objectContaining({ event: 'chat-finished', answerStoreFailures: 0 }))
  })

  it('still streams every answer whole when the store refuses the write, and logs and counts the failure', async () => {
    dynamo
      .on(PutItemCommand)
      .rejects(Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }))
    iotData.on(PublishCommand).resolves({})
    const logs: Array<Record<string, unknown>> = []
    const result = await lambda(logs)(event, context)
    expect(result).toMatchObject({
      ok: true,
      models: [
        { modelId: 'claude', status: 'complete', archived: false, failedPublishes: 0 },
        { modelId: 'nova', status: 'complete', archived: false, failedPublishes: 0 },
      ],
    })
    const finals = iotData
      .commandCalls(PublishCommand)
      .map((call) => call.args[0].input)
      .filter((input) => !input.retain)
      .map((input) => JSON.parse(Buffer.from(input.payload as Uint8Array).toString('utf8')) as ChunkMessage)
      .filter((message) => message.final)
    expect(finals.map((message) => message.modelId).sort()).toEqual(['claude', 'nova'])
    const failures = logs
      .filter((line) => line.event === 'answer-store-failed')
      .sort((a, b) => String(a.modelId).localeCompare(String(b.modelId)))
    expect(failures).toEqual([
      expect.objectContaining({
        modelId: 'claude',
        errorName: 'ProvisionedThroughputExceededException',
        identityId: IDENTITY,
      }),
      expect.objectContaining({ modelId: 'nova', errorName: 'ProvisionedThroughputExceededException' }),
    ])
    expect(logs).toContainEqual(expect.objectContaining({ event: 'chat-finished', answerStoreFailures: 2 }))
    // The log never holds the answer.
    expect(JSON.stringify(logs)).not.toContain('is four')
  })

  it('takes the table from the environment the stack sets, and stores nothing without it', () => {
    const env = {
      STREAMDESK_IOT_ENDPOINT: 'abc-ats.iot.eu-west-1.amazonaws.com',
      STREAMDESK_TOPIC_PREFIX: 'sdt',
      STREAMDESK_MODELS: JSON.stringify([
        { id: 'c', label: 'C', provider: 'bedrock', modelId: 'anthropic.claude-3-haiku-20240307-v1:0' },
      ]),
    }
    expect(chatLambdaDepsFromEnv({ ...env, STREAMDESK_ANSWER_TABLE: TABLE }).answers).toBeInstanceOf(DynamoAnswerStore)
    expect(chatLambdaDepsFromEnv(env).answers).toBeUndefined()
  })
})

function omitUser({ userId: _userId, ...rest }: AnswerRecord) {
  return rest
}
