/**
 * Catch-up's list (issue 17 item 3): the fetch Lambda's `{ recent: true }` over a mocked DynamoDB. It reads only the
 * caller's partition (identity from Lambda's context, never a userId in the event), projected to the small
 * attributes (no answer text), groups answers by stream, leaves out expired items and items without what was asked,
 * and refuses a caller without an identity without touching the table.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb'
import { DynamoAnswerStore, toAnswerItem, type AnswerRecord } from '../../../src-main/backend/answer-store'
import { createFetchLambdaHandler } from '../../../src-main/backend/lambda/fetch-stream-lambda'
import { RecentStreamsResultSchema, type Asked } from '../../../src-main/protocol/answer-archive'
import { IDENTITY, OTHER_IDENTITY as VICTIM, POOL, invocationContext as context } from './lambda-callers'
import { ManualClock } from '../../support/manual-clock'
import { sha256Hex } from '../../support/sha256'

const dynamo = mockClient(DynamoDBClient)
afterEach(() => dynamo.reset())

const TABLE = 'sd-test-answers'
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5)
const asked = (conversationId: string, models: string[]): Asked => ({
  conversationId,
  deviceId: '0123456789abcdef',
  prompt: `Asked in ${conversationId}`,
  models,
})
const answer = (streamId: string, modelId: string, withAsked?: Asked): AnswerRecord => ({
  userId: IDENTITY,
  streamId,
  modelId,
  text: 'A long answer text that the list never carries.',
  status: 'complete',
  chunks: 2,
  sha256: sha256Hex('A long answer text that the list never carries.'),
  ...(withAsked ? { asked: withAsked } : {}),
})

function lambda() {
  const logs: Array<Record<string, unknown>> = []
  const clock = new ManualClock()
  clock.advance(NOW)
  const handler = createFetchLambdaHandler({
    store: new DynamoAnswerStore({ client: new DynamoDBClient({ region: 'eu-west-1' }), tableName: TABLE, clock }),
    identityPoolId: POOL,
    log: (event, fields) => logs.push({ event, ...fields }),
  })
  return { handler, logs }
}

/** What DynamoDB returns for a projection: only the named attributes. */
function projected(item: ReturnType<typeof toAnswerItem>, names: Record<string, string>) {
  const kept = new Set(Object.values(names))
  return Object.fromEntries(Object.entries(item).filter(([name]) => kept.has(name)))
}

describe('recent streams (catch-up)', () => {
  it("lists the caller's own streams with what was asked, newest first, whatever userId the event names", async () => {
    const one = asked('c1', ['claude', 'nova'])
    const two = asked('c2', ['claude'])
    const items = [
      toAnswerItem(answer('s1', 'claude', one), NOW - 60_000),
      toAnswerItem(answer('s1', 'nova', one), NOW - 50_000),
      toAnswerItem(answer('s2', 'claude', two), NOW - 10_000),
      // Asked by an app that did not say where from: nothing another device could add.
      toAnswerItem(answer('s3', 'claude'), NOW - 5_000),
      // Stored 25 hours ago: expired, though TTL has not deleted it yet.
      toAnswerItem(answer('s4', 'claude', asked('c4', ['claude'])), NOW - 25 * 3_600_000),
    ]
    dynamo.on(QueryCommand).callsFake((input: { ExpressionAttributeNames: Record<string, string> }) => ({
      Items: items.map((item) => projected(item, input.ExpressionAttributeNames)),
    }))
    const { handler } = lambda()
    const result = await handler({ recent: true, userId: VICTIM }, context())

    const [query] = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input)
    expect(query).toMatchObject({
      TableName: TABLE,
      KeyConditionExpression: '#user = :user',
      ExpressionAttributeValues: { ':user': { S: IDENTITY } },
    })
    expect(Object.values(query!.ExpressionAttributeNames!)).not.toContain('text')
    expect(JSON.stringify(dynamo.calls().map((call) => call.args[0].input))).not.toContain(VICTIM)
    expect(RecentStreamsResultSchema.parse(result)).toEqual({
      ok: true,
      streams: [
        { streamId: 's2', storedAt: NOW - 10_000, storedModelIds: ['claude'], asked: two },
        { streamId: 's1', storedAt: NOW - 50_000, storedModelIds: ['claude', 'nova'], asked: one },
      ],
    })
  })

  it('refuses a caller without an identity, without reading the table', async () => {
    const { handler } = lambda()
    expect(await handler({ recent: true }, context(null))).toMatchObject({ ok: false, error: 'no-identity' })
    expect(dynamo.calls()).toHaveLength(0)
  })

  it('says the store is unavailable when the query fails, never throws', async () => {
    dynamo.on(QueryCommand).rejects(new Error('throttled'))
    const { handler, logs } = lambda()
    expect(await handler({ recent: true }, context())).toMatchObject({ ok: false, error: 'store-unavailable' })
    expect(logs.map((log) => log.event)).toContain('recent-failed')
  })

  it('drops an item whose stored question is not valid (a tampered or older item)', async () => {
    const item = toAnswerItem(answer('s1', 'claude', asked('c1', ['claude'])), NOW - 1_000)
    item.asked = { S: JSON.stringify({ conversationId: 'c1', deviceId: 'not hex', prompt: 'x', models: ['claude'] }) }
    dynamo.on(QueryCommand).resolves({ Items: [item] })
    const { handler } = lambda()
    expect(await handler({ recent: true }, context())).toEqual({ ok: true, streams: [] })
  })
})
