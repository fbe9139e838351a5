/**
 * The spend guard against DynamoDB answers recorded from the real service or published by AWS
 * (tests/fixtures/aws-recorded/README.md names each source), replayed over local HTTP to the real SDK client: the
 * namespaced `__type` of a conditional check failure ("budget used"), a throttle the SDK retries, and one it gives
 * up on, which the guard must report rather than take as a refusal.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SpendGuard, type SpendLimits } from '../../../src-main/backend/spend-guard'
import { DynamoAnswerStore, type AnswerRecord } from '../../../src-main/backend/answer-store'
import { sha256Hex } from '../../support/sha256'
import { ManualClock } from '../../support/manual-clock'
import {
  recorded,
  REPLAY_CREDENTIALS,
  startAwsReplay,
  withBody,
  type AwsReplay,
  type RecordedResponse,
} from '../../support/aws-replay'

const USER = 'us-east-1:0b8a1f2e-1111-2222-3333-444455556666'
const LIMITS: SpendLimits = { dailyTokens: 200_000, monthlyTokens: 1_000_000, concurrentStreams: 1 }
const fromDynamo = (name: string) => recorded('dynamodb', name)
/** DynamoDB's answer to an update that asks for no return values: an empty JSON object. */
const UPDATED: RecordedResponse = { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: '{}' }

let replay: AwsReplay
let clock: ManualClock

beforeAll(async () => {
  replay = await startAwsReplay()
})
afterAll(() => replay.close())
beforeEach(() => {
  replay.reset()
  clock = new ManualClock()
  clock.advance(Date.parse('2026-12-07T10:00:00Z'))
})

const newClient = () =>
  new DynamoDBClient({ region: 'us-east-1', endpoint: replay.endpoint, credentials: REPLAY_CREDENTIALS })

function guard(client = newClient()): SpendGuard {
  return new SpendGuard({ client, tableName: 'spend', limits: LIMITS, clock })
}

const admit = (client = newClient()) =>
  guard(client).admit(USER, { streamId: 'stream-1', tokens: 10_000, leaseUntil: clock.now() + 900_000 })
const operations = () => replay.requests.map((r) => r.target)

describe('SpendGuard against recorded DynamoDB answers', () => {
  it('reads the recorded conditional check failure on the reservation as "budget used" and frees the slot', async () => {
    // The recorded failure with the item DynamoDB returns for ReturnValuesOnConditionCheckFailure: ALL_OLD.
    const dayUsedUp = withBody(fromDynamo('error-conditional-check-failed'), (body) => {
      body['Item'] = { userId: { S: USER }, period: { S: 'tokens#2026-12' }, dayTokens07: { N: '195000' } }
    })
    replay.answer(UPDATED, dayUsedUp, UPDATED)

    const admission = await admit()

    expect(admission).toMatchObject({ ok: false, refusal: { kind: 'daily-tokens', limit: 200_000 } })
    expect(operations()).toEqual([
      'DynamoDB_20120810.UpdateItem', // slot
      'DynamoDB_20120810.UpdateItem', // reservation, refused
      'DynamoDB_20120810.UpdateItem', // slot released
    ])
    expect(replay.requests[1]!.body).toMatchObject({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })
    // The slot's lease is removed (its models are kept counted for a second more: see publish-share.ts).
    expect((replay.requests[2]!.body as { UpdateExpression: string }).UpdateExpression).toMatch(
      /^REMOVE #until, #lease(?: SET |$)/,
    )
  })

  it('takes the recorded failure without an item (as sent when no item exists) as a refusal too', async () => {
    replay.answer(UPDATED, fromDynamo('error-conditional-check-failed'), UPDATED)

    await expect(admit()).resolves.toMatchObject({ ok: false, refusal: { kind: 'monthly-tokens' } })
  })

  it('a recorded conditional check failure on the only slot refuses the prompt as "already streaming"', async () => {
    replay.answer(fromDynamo('error-conditional-check-failed'))

    await expect(admit()).resolves.toMatchObject({ ok: false, refusal: { kind: 'concurrent-streams', limit: 1 } })
    expect(replay.requests).toHaveLength(1)
  })

  it('a recorded throughput-exceeded answer is retried by the SDK and the prompt admitted', async () => {
    replay.answer(fromDynamo('error-throughput-exceeded'), UPDATED, UPDATED)

    const admission = await admit()

    expect(admission.ok).toBe(true)
    expect(replay.requests).toHaveLength(3)
    expect(replay.requests[0]!.body).toEqual(replay.requests[1]!.body)
  })

  it('throttling that outlasts the retries is an error, not a refusal (the Lambda reports the store as down)', async () => {
    const client = newClient()
    // The SDK's own attempt budget for DynamoDB (its default, whatever this SDK version makes it).
    const attempts = await client.config.maxAttempts()
    replay.answer(...Array.from({ length: attempts }, () => fromDynamo('error-throughput-exceeded')))

    const error = await admit(client).then(
      () => undefined,
      (e: unknown) => e as Error & { $metadata?: { attempts?: number } },
    )

    expect(error?.name).toBe('ProvisionedThroughputExceededException')
    expect(error?.$metadata?.attempts).toBe(attempts)
    expect(replay.requests).toHaveLength(attempts)
  })

  it("the usage read surfaces the recorded ResourceNotFoundException with the service's own message", async () => {
    replay.answer(fromDynamo('error-resource-not-found'))

    await expect(guard().usage(USER)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Requested resource not found: Table: tablename not found',
    })
  })

  it('reads usage from a recorded GetItem answer that lacks the counters as zero', async () => {
    replay.answer(fromDynamo('get-item'))

    await expect(guard().usage(USER)).resolves.toMatchObject({ dayTokens: 0, monthTokens: 0 })
    expect(replay.requests[0]!.body).toMatchObject({
      Key: { userId: { S: USER }, period: { S: 'tokens#2026-12' } },
      ProjectionExpression: '#month, #day',
      ExpressionAttributeNames: { '#month': 'monthTokens', '#day': 'dayTokens07' },
    })
  })
})

describe('DynamoAnswerStore against recorded DynamoDB answers', () => {
  const text = 'Two plus two is four. 日本語 😀'
  const record: AnswerRecord = {
    userId: USER,
    streamId: 'stream-1',
    modelId: 'claude',
    text,
    status: 'complete',
    chunks: 3,
    sha256: sha256Hex(text),
    usage: { inputTokens: 9, outputTokens: 6 },
  }
  // A generous write timeout: the SDK's back-off before its retry is random, and the timeout is not under test here.
  const store = () =>
    new DynamoAnswerStore({ client: newClient(), tableName: 'answers', clock, writeTimeoutMs: 60_000 })

  it('stores an answer through a recorded throttle: the SDK retries the same item', async () => {
    replay.answer(fromDynamo('error-throughput-exceeded'), UPDATED)

    await expect(store().save(record)).resolves.toBeUndefined()

    expect(operations()).toEqual(['DynamoDB_20120810.PutItem', 'DynamoDB_20120810.PutItem'])
    expect(replay.requests[1]!.body).toEqual(replay.requests[0]!.body)
    expect(replay.requests[0]!.body).toMatchObject({ TableName: 'answers', Item: { text: { S: text } } })
  })

  it('rejects with the recorded ResourceNotFoundException when the table is missing (the Lambda logs it)', async () => {
    replay.answer(fromDynamo('error-resource-not-found'))

    await expect(store().save(record)).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
    expect(replay.requests).toHaveLength(1)
  })
})
