/**
 * The fetch-stream Lambda over a mocked DynamoDB: it reads only the caller's partition (the identity from Lambda's
 * context, never a userId in the event), answers not-found with an empty list, refuses invalid requests and callers
 * without an identity without touching the table, and hides expired items that TTL has not deleted yet.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { DynamoAnswerStore, toAnswerItem, type AnswerRecord } from '../../../src-main/backend/answer-store'
import fc from 'fast-check'
import {
  createFetchStreamHandler,
  fetchStreamDepsFromEnv,
  pageEnd,
  RESPONSE_BUDGET_BYTES,
} from '../../../src-main/backend/lambda/fetch-stream-lambda'
import { unicodeText } from '../../support/unicode-text'
import { FetchStreamResultSchema } from '../../../src-main/protocol/answer-archive'
import { FetchStreamResultSchema as FetchStreamResultV1Schema } from '../../fixtures/protocol-v1/answer-archive-v1'
import { IDENTITY, OTHER_IDENTITY as VICTIM, OTHER_POOL, POOL, invocationContext as context } from './lambda-callers'
import { ManualClock } from '../../support/manual-clock'
import { sha256Hex } from '../../support/sha256'

const dynamo = mockClient(DynamoDBClient)
afterEach(() => dynamo.reset())

const TABLE = 'sd-test-answers'
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5)

const answer = (modelId: string, text: string, userId = IDENTITY): AnswerRecord => ({
  userId,
  streamId: 'stream-1',
  modelId,
  text,
  status: 'complete',
  chunks: 2,
  sha256: sha256Hex(text),
})

function lambda() {
  const logs: Array<Record<string, unknown>> = []
  const clock = new ManualClock()
  clock.advance(NOW)
  const handler = createFetchStreamHandler({
    store: new DynamoAnswerStore({ client: new DynamoDBClient({ region: 'eu-west-1' }), tableName: TABLE, clock }),
    identityPoolId: POOL,
    log: (event, fields) => logs.push({ event, ...fields }),
  })
  return { handler, logs, clock }
}

describe('fetch-stream Lambda', () => {
  it("queries the caller's own partition for the stream, ignoring a userId in the event", async () => {
    dynamo.on(QueryCommand).resolves({
      Items: [toAnswerItem(answer('gpt', 'Four.'), NOW - 1000), toAnswerItem(answer('claude', 'It is 4.'), NOW - 1000)],
    })
    const { handler, logs } = lambda()
    const result = await handler({ streamId: 'stream-1', userId: VICTIM }, context())

    expect(dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: TABLE,
        KeyConditionExpression: '#user = :user AND begins_with(#sort, :stream)',
        ExpressionAttributeNames: { '#user': 'userId', '#sort': 'streamModel' },
        ExpressionAttributeValues: { ':user': { S: IDENTITY }, ':stream': { S: 'stream-1#' } },
        ConsistentRead: true,
      },
    ])
    expect(JSON.stringify(dynamo.calls().map((call) => call.args[0].input))).not.toContain(VICTIM)
    expect(result).toEqual({
      ok: true,
      streamId: 'stream-1',
      answers: [
        {
          streamId: 'stream-1',
          modelId: 'claude',
          text: 'It is 4.',
          status: 'complete',
          chunks: 2,
          sha256: sha256Hex('It is 4.'),
          storedAt: NOW - 1000,
        },
        {
          streamId: 'stream-1',
          modelId: 'gpt',
          text: 'Four.',
          status: 'complete',
          chunks: 2,
          sha256: sha256Hex('Four.'),
          storedAt: NOW - 1000,
        },
      ],
    })
    expect(logs).toContainEqual(expect.objectContaining({ event: 'forged-user-id-ignored', forgedUserId: VICTIM }))
    expect(JSON.stringify(logs)).not.toContain('It is 4.')
  })

  const reasoned: AnswerRecord = {
    ...answer('r1', 'It is 4.'),
    reasoning: 'Two and two…',
    reasoningSha256: sha256Hex('Two and two…'),
    stopReason: 'max-tokens',
    metrics: { inputTokens: 5, outputTokens: 9, reasoningTokens: 4, firstTokenMs: 300, durationMs: 900 },
    usage: { inputTokens: 5, outputTokens: 9 },
  }

  it('tolerates keys it does not know in the request (a newer app) and still reads only what it knows', async () => {
    dynamo.on(GetItemCommand).resolves({ Item: toAnswerItem(answer('claude', 'It is 4.'), NOW) })
    const { handler } = lambda()
    const result = await handler({ streamId: 'stream-1', modelId: 'claude', fromTheFuture: { x: 1 } }, context())
    expect(result).toMatchObject({ ok: true, answers: [{ modelId: 'claude', text: 'It is 4.' }] })
  })

  it('gives a v2 app the reasoning and end details, and an older app only the fields its strict schema knows', async () => {
    dynamo.on(GetItemCommand).resolves({ Item: toAnswerItem(reasoned, NOW) })
    const { handler } = lambda()
    const v2 = await handler({ streamId: 'stream-1', modelId: 'r1', protocols: [1, 2] }, context())
    expect(v2).toMatchObject({
      ok: true,
      answers: [
        {
          text: 'It is 4.',
          reasoning: 'Two and two…',
          reasoningSha256: sha256Hex('Two and two…'),
          stopReason: 'max-tokens',
          metrics: reasoned.metrics,
          usage: reasoned.usage,
        },
      ],
    })
    expect(FetchStreamResultSchema.safeParse(v2).success).toBe(true)
    for (const old of [
      { streamId: 'stream-1', modelId: 'r1' },
      { streamId: 'stream-1', modelId: 'r1', protocols: [1] },
    ]) {
      const v1 = await handler(old, context())
      // What a released app does with it: its frozen, strict schema must accept it.
      expect(FetchStreamResultV1Schema.safeParse(v1).success).toBe(true)
      expect(JSON.stringify(v1)).not.toContain('Two and two')
      expect(v1).toMatchObject({ ok: true, answers: [{ text: 'It is 4.', usage: reasoned.usage }] })
    }
  })

  it("keeps the response under Lambda's 6 MB limit: reasoning goes first, then whole answers, which a v2 app is told of", async () => {
    // Random-looking text that gzip cannot shrink much, stored compressed: large once read back.
    const bulky = (seed: number) =>
      Array.from({ length: 1_500_000 }, (_, i) => String.fromCharCode(97 + ((i * 7919 + seed * 104729) % 26))).join('')
    const record = (modelId: string, seed: number): AnswerRecord => ({
      ...answer(modelId, bulky(seed).slice(0, 1_200_000)),
      reasoning: bulky(seed + 1).slice(0, 1_000_000),
    })
    const items = ['a', 'b', 'c', 'd', 'e'].map((id, i) => toAnswerItem(record(id, i), NOW))
    dynamo.on(QueryCommand).resolves({ Items: items })
    const { handler } = lambda()
    const v2 = await handler({ streamId: 'stream-1', protocols: [2] }, context())
    expect(Buffer.byteLength(JSON.stringify(v2))).toBeLessThanOrEqual(RESPONSE_BUDGET_BYTES)
    if (!v2.ok) throw new Error('expected answers')
    expect(v2.answers.every((a) => a.reasoning === undefined && a.reasoningOmitted === true)).toBe(true)
    expect(v2.answers.length).toBeGreaterThan(0)
    expect([...v2.answers.map((a) => a.modelId), ...(v2.omittedModelIds ?? [])].sort()).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
    ])
    expect(v2.omittedModelIds!.length).toBeGreaterThan(0)
    const v1 = await handler({ streamId: 'stream-1' }, context())
    expect(Buffer.byteLength(JSON.stringify(v1))).toBeLessThanOrEqual(RESPONSE_BUDGET_BYTES)
    expect(FetchStreamResultV1Schema.safeParse(v1).success).toBe(true)
  })

  it("gets one model's answer with GetItem on the caller's key", async () => {
    dynamo.on(GetItemCommand).resolves({ Item: toAnswerItem(answer('claude', 'It is 4.'), NOW) })
    const { handler } = lambda()
    const result = await handler({ streamId: 'stream-1', modelId: 'claude' }, context())
    expect(dynamo.commandCalls(GetItemCommand).map((call) => call.args[0].input)).toEqual([
      {
        TableName: TABLE,
        Key: { userId: { S: IDENTITY }, streamModel: { S: 'stream-1#claude' } },
        ConsistentRead: true,
      },
    ])
    expect(result).toMatchObject({ ok: true, answers: [{ modelId: 'claude', text: 'It is 4.' }] })
  })

  it('pages through a long query', async () => {
    dynamo
      .on(QueryCommand)
      .resolvesOnce({
        Items: [toAnswerItem(answer('a', 'A'), NOW)],
        LastEvaluatedKey: { userId: { S: IDENTITY }, streamModel: { S: 'stream-1#a' } },
      })
      .resolvesOnce({ Items: [toAnswerItem(answer('b', 'B'), NOW)] })
    const result = await lambda().handler({ streamId: 'stream-1' }, context())
    expect(result).toMatchObject({ ok: true, answers: [{ modelId: 'a' }, { modelId: 'b' }] })
    expect(dynamo.commandCalls(QueryCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual({
      userId: { S: IDENTITY },
      streamModel: { S: 'stream-1#a' },
    })
  })

  it("answers not-found with an empty list: nothing stored yet, expired, or another user's item", async () => {
    const { handler } = lambda()
    dynamo.on(QueryCommand).resolves({ Items: [] })
    expect(await handler({ streamId: 'stream-1' }, context())).toEqual({ ok: true, streamId: 'stream-1', answers: [] })
    dynamo.on(GetItemCommand).resolves({})
    expect(await handler({ streamId: 'stream-1', modelId: 'claude' }, context())).toEqual({
      ok: true,
      streamId: 'stream-1',
      answers: [],
    })
    // Past its TTL (DynamoDB deletes lazily), or (defensively) not in the caller's partition: not served.
    dynamo.on(QueryCommand).resolves({
      Items: [
        toAnswerItem(answer('old', 'Old'), NOW - 86_401_000),
        toAnswerItem(answer('theirs', 'Theirs', VICTIM), NOW),
      ],
    })
    expect(await handler({ streamId: 'stream-1' }, context())).toEqual({ ok: true, streamId: 'stream-1', answers: [] })
  })

  it.each([
    ['no stream id', {}],
    ['a stream id that is not an id', { streamId: 'a/b#' }],
    ['a model id that is not an id', { streamId: 'stream-1', modelId: '' }],
    ['not an object', 'stream-1'],
    ['null', null],
  ])('refuses a request with %s without reading the table', async (_name, event) => {
    const { handler, logs } = lambda()
    const result = await handler(event, context())
    expect(result).toMatchObject({ ok: false, error: 'invalid-request', detail: expect.any(String) })
    expect(dynamo.calls()).toHaveLength(0)
    expect(logs).toContainEqual(expect.objectContaining({ event: 'fetch-invalid-event' }))
  })

  it.each([
    ['no identity', null, /no Cognito identity/],
    [
      'an identity of another pool',
      { cognitoIdentityId: IDENTITY, cognitoIdentityPoolId: OTHER_POOL },
      /another identity pool/,
    ],
  ])('refuses a caller with %s, even one naming a userId', async (_name, identity, reason) => {
    const { handler } = lambda()
    const result = await handler({ streamId: 'stream-1', userId: IDENTITY }, context(identity))
    expect(result).toEqual({ ok: false, error: 'no-identity', detail: expect.stringMatching(reason) })
    expect(dynamo.calls()).toHaveLength(0)
  })

  it("reports a store failure as retryable, without the error's details", async () => {
    dynamo
      .on(QueryCommand)
      .rejects(Object.assign(new Error('arn:aws:dynamodb:… is throttled'), { name: 'ThrottlingException' }))
    const { handler, logs } = lambda()
    expect(await handler({ streamId: 'stream-1' }, context())).toEqual({
      ok: false,
      error: 'store-unavailable',
      detail: 'The answer store could not be read; try again.',
    })
    expect(logs).toContainEqual(expect.objectContaining({ event: 'fetch-failed', errorName: 'ThrottlingException' }))
  })

  it('takes the table and the pool from the environment the stack sets', () => {
    expect(() => fetchStreamDepsFromEnv({})).toThrow(/STREAMDESK_ANSWER_TABLE/)
    expect(fetchStreamDepsFromEnv({ STREAMDESK_ANSWER_TABLE: TABLE, STREAMDESK_IDENTITY_POOL_ID: POOL })).toMatchObject(
      { identityPoolId: POOL },
    )
  })

  it('serves the page a reassembling app asks for, from its offset, the reasoning left out', async () => {
    const text = '\u0001'.repeat(900_000) + '😀'.repeat(10) // 5.4 MB as JSON: too large for one response
    dynamo.on(GetItemCommand).resolves({ Item: toAnswerItem({ ...reasoned, text, sha256: sha256Hex(text) }, NOW) })
    const { handler } = lambda()
    const ask = (textFrom?: number) =>
      handler(
        { streamId: 'stream-1', modelId: 'r1', protocols: [1, 2], parts: true, ...(textFrom ? { textFrom } : {}) },
        context(),
      )
    const first = await ask()
    if (!first.ok) throw new Error('expected a page')
    expect(Buffer.byteLength(JSON.stringify(first))).toBeLessThanOrEqual(RESPONSE_BUDGET_BYTES)
    expect(first.answers[0]).toMatchObject({ textPart: { offset: 0, total: text.length }, reasoningOmitted: true })
    expect(first.answers[0]!.reasoning).toBeUndefined()
    const from = first.answers[0]!.text.length
    const second = await ask(from)
    expect(second).toMatchObject({ ok: true, answers: [{ textPart: { offset: from, total: text.length } }] })
    if (!second.ok) throw new Error('expected a page')
    expect(first.answers[0]!.text + second.answers[0]!.text).toBe(text)
    expect(second.answers[0]!.sha256).toBe(sha256Hex(text)) // the digest of the whole, on every page
    expect(await ask(text.length)).toEqual({ ok: true, streamId: 'stream-1', answers: [] })
    // An answer that fits comes whole, without textPart, even to an app that takes parts.
    dynamo.on(GetItemCommand).resolves({ Item: toAnswerItem(answer('r1', 'It is 4.'), NOW) })
    expect(await ask()).toMatchObject({ ok: true, answers: [{ text: 'It is 4.' }] })
    expect(JSON.stringify(await ask())).not.toContain('textPart')
  })

  it('ends a page where its JSON fills the room, never inside a surrogate pair, whatever the text', () => {
    const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff
    const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff
    fc.assert(
      fc.property(unicodeText({ maxLength: 200 }), fc.nat(200), fc.integer({ min: 4, max: 300 }), (text, at, room) => {
        // A page starts where the previous one ended: never inside a pair.
        const start = Math.min(at, text.length)
        const from = isHigh(text.charCodeAt(start - 1)) && isLow(text.charCodeAt(start)) ? start - 1 : start
        const end = pageEnd(text, from, room)
        const json = (slice: string) => Buffer.byteLength(JSON.stringify(slice)) - 2
        expect(json(text.slice(from, end))).toBeLessThanOrEqual(room)
        if (end < text.length) {
          expect(isHigh(text.charCodeAt(end - 1)) && isLow(text.charCodeAt(end))).toBe(false)
          // Full: the next character (a whole pair if it is one) would not have fitted.
          const next = isHigh(text.charCodeAt(end)) && isLow(text.charCodeAt(end + 1)) ? end + 2 : end + 1
          expect(json(text.slice(from, next))).toBeGreaterThan(room)
        }
      }),
      { numRuns: 500 },
    )
  })
})
