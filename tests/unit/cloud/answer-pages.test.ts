/**
 * An answer too large for one fetch-stream response (Lambda's 6 MB limit), end to end through the real code: the
 * app's LambdaStreamRecovery invokes a Lambda mocked at the SDK edge whose every invocation runs the real
 * fetch-stream handler over the real DynamoAnswerStore, with DynamoDB mocked at the SDK edge (the item as the chat
 * Lambda stores it). The answer comes in pages, each response within the limit, and is reassembled exactly; the page
 * boundaries fall inside runs of surrogate pairs and never split one, so the pages reassembled in any order pass
 * the answer's SHA-256.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { InvokeCommand, LambdaClient, type InvokeCommandInput } from '@aws-sdk/client-lambda'
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde'
import { DynamoAnswerStore, toAnswerItem, type AnswerRecord } from '../../../src-main/backend/answer-store'
import { createFetchStreamHandler, RESPONSE_BUDGET_BYTES } from '../../../src-main/backend/lambda/fetch-stream-lambda'
import { assembleTextParts, type FetchStreamResult } from '../../../src-main/protocol/answer-archive'
import { LambdaStreamRecovery } from '../../../src-main/core/cloud/lambda-stream-recovery'
import { invocationContext, POOL } from '../backend/lambda-callers'
import { ManualClock } from '../../support/manual-clock'
import { sha256Hex } from '../../support/sha256'
import { IDENTITY_ID, tempTokenStore } from './cloud-fixtures'

const dynamo = mockClient(DynamoDBClient)
const lambda = mockClient(LambdaClient)
afterEach(() => {
  dynamo.reset()
  lambda.reset()
})

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5)
/** Lambda's limit on a synchronous response. */
const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff

/**
 * 3 MB of UTF-8 that JSON escapes to 15 MB: in each 5 MB of JSON, control characters (6 bytes each as JSON) and then
 * a run of astral characters (a surrogate pair each), where the page boundaries land.
 */
function hugeAnswerText(): string {
  const segment = '\u0001'.repeat(800_000) + '😀𝄞'.repeat(25_000)
  return segment.repeat(3) + ' the end.'
}

function setup(record: AnswerRecord) {
  const clock = new ManualClock()
  clock.advance(NOW)
  dynamo.on(GetItemCommand).resolves({ Item: toAnswerItem(record, NOW - 1000) })
  dynamo.on(QueryCommand).resolves({ Items: [toAnswerItem(record, NOW - 1000)] })
  const handler = createFetchStreamHandler({
    store: new DynamoAnswerStore({ client: new DynamoDBClient({ region: 'eu-west-1' }), tableName: 't', clock }),
    identityPoolId: POOL,
    log: () => {},
  })
  const responses: Array<{ event: Record<string, unknown>; bytes: number; result: FetchStreamResult }> = []
  lambda.on(InvokeCommand).callsFake(async (input: InvokeCommandInput) => {
    const event = JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) as Record<string, unknown>
    const result = await handler(event, invocationContext())
    const payload = JSON.stringify(result)
    responses.push({ event, bytes: Buffer.byteLength(payload), result })
    return { StatusCode: 200, Payload: Uint8ArrayBlobAdapter.fromString(payload) }
  })
  return { responses, clock }
}

async function recovery(clock: ManualClock) {
  return new LambdaStreamRecovery({
    lambda: new LambdaClient({ region: 'eu-west-1' }),
    functionName: 'streamdesk-fetch-stream',
    store: await tempTokenStore(),
    identityId: IDENTITY_ID,
    clock,
    servedProtocols: [1, 2],
  })
}

describe('an answer larger than a fetch-stream response', () => {
  const text = hugeAnswerText()
  const record: AnswerRecord = {
    userId: 'eu-west-1:0b8a1f2e-1111-2222-3333-444455556666',
    streamId: 'stream-1',
    modelId: 'claude',
    text,
    status: 'complete',
    chunks: 400,
    sha256: sha256Hex(text),
  }

  it('comes in pages within the 6 MB limit, reassembled exactly, its SHA-256 intact', async () => {
    expect(Buffer.byteLength(JSON.stringify(text))).toBeGreaterThan(2 * LAMBDA_RESPONSE_LIMIT)
    const { responses, clock } = setup(record)
    const answers = await (await recovery(clock)).fetch('stream-1')

    expect(answers).toHaveLength(1)
    expect(answers[0]!.text).toBe(text)
    expect(sha256Hex(answers[0]!.text)).toBe(answers[0]!.sha256)
    expect(answers[0]!.textPart).toBeUndefined()
    // The stream's request left it out for size; then one request per page, each naming where its page starts.
    expect(responses[0]!.result).toMatchObject({ ok: true, answers: [], omittedModelIds: ['claude'] })
    expect(responses.length).toBeGreaterThanOrEqual(5)
    expect(responses.slice(2).every((r) => typeof r.event.textFrom === 'number')).toBe(true)
    for (const { bytes } of responses) {
      expect(bytes).toBeLessThanOrEqual(RESPONSE_BUDGET_BYTES)
      expect(bytes).toBeLessThan(LAMBDA_RESPONSE_LIMIT)
    }
  })

  it('never ends a page inside a surrogate pair, so the pages in any order reassemble to the digest', async () => {
    const { responses, clock } = setup(record)
    await (await recovery(clock)).fetch('stream-1')
    const pages = responses.flatMap(({ result }) =>
      result.ok
        ? result.answers.filter((a) => a.textPart).map((a) => ({ offset: a.textPart!.offset, text: a.text }))
        : [],
    )
    expect(pages.length).toBeGreaterThanOrEqual(3)
    for (const page of pages.slice(0, -1)) {
      const end = page.offset + page.text.length
      // The boundary lies in a run of pairs (a code-unit cut there could have split one)…
      expect(text.slice(end - 4, end + 4)).toMatch(/^[\uD800-\uDFFF]+$/)
      // …and falls between two pairs, never inside one.
      expect(isHigh(text.charCodeAt(end - 1))).toBe(false)
    }
    for (const order of [pages, [...pages].reverse(), [pages[2]!, pages[0]!, ...pages.slice(3), pages[1]!]]) {
      const whole = assembleTextParts(order, text.length)
      expect(whole).toBe(text)
      expect(sha256Hex(whole!)).toBe(record.sha256)
    }
    // A missing page or a page out of place is not an answer.
    expect(assembleTextParts(pages.slice(1), text.length)).toBeUndefined()
    expect(assembleTextParts([...pages.slice(0, -1), { ...pages.at(-1)!, offset: 1 }], text.length)).toBeUndefined()
  })

  it('is left out, as before, for an app that does not reassemble pages', async () => {
    const { clock } = setup(record)
    const handler = createFetchStreamHandler({
      store: new DynamoAnswerStore({ client: new DynamoDBClient({ region: 'eu-west-1' }), tableName: 't', clock }),
      identityPoolId: POOL,
      log: () => {},
    })
    const result = await handler({ streamId: 'stream-1', modelId: 'claude', protocols: [1, 2] }, invocationContext())
    expect(result).toEqual({ ok: true, streamId: 'stream-1', answers: [], omittedModelIds: ['claude'] })
  })
})
