/**
 * The cloud answer store on DynamoDB (see src-main/protocol/answer-archive.ts for the contract): the chat Lambda
 * writes each finished answer here, the fetch-stream Lambda reads them back for their owner. Plain AttributeValues,
 * no document client: the items are small and flat.
 *
 * DynamoDB items are limited to 400 KB. The answer text and its reasoning share MAX_TEXT_BYTES: when their UTF-8
 * does not fit, both are stored gzip-compressed (`textGzip`, `reasoningGzip`, binary); when that does not fit
 * either, the reasoning is left out (`reasoningOmitted`) so the answer itself is kept; an answer that does not fit
 * even alone is refused (and the Lambda counts it). So is one whose text passes MAX_ANSWER_BYTES uncompressed: the
 * fetch-stream Lambda must be able to return it within Lambda's 6 MB response limit.
 */
import { gunzipSync, gzipSync } from 'node:zlib'
import {
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'
import {
  ANSWER_TABLE,
  ANSWER_TTL_SECONDS,
  ArchivedAnswerSchema,
  answerSortKey,
  AskedSchema,
  MAX_RECENT_STREAMS,
  type ArchivedAnswerV2Fields,
  type ArchivedAnswer,
  type Asked,
  type RecentStream,
} from '../protocol/answer-archive'
import { systemClock, type Clock } from '../lib/clock'

/** Room left for the other attributes and the key under DynamoDB's 400 KB item limit. */
export const MAX_TEXT_BYTES = 380_000
/** The largest answer text kept, uncompressed: one answer must fit a fetch-stream response (6 MB, as JSON). */
export const MAX_ANSWER_BYTES = 4_000_000
/** A write that takes longer than this is abandoned: the final marker must not wait on the store. */
const DEFAULT_WRITE_TIMEOUT_MS = 3_000

/**
 * What the chat handler hands the store for one finished model answer; `asked` when the app said where it asked
 * from, so the user's other devices can catch up on the stream.
 */
export type AnswerRecord = Omit<ArchivedAnswer, 'storedAt'> & { userId: string; asked?: Asked }

/** Where the chat handler keeps finished answers (DynamoDB in the Lambda; nothing in local mode). */
export interface AnswerArchive {
  /** Rejects when the answer was not stored; the caller logs it and carries on streaming. */
  save(record: AnswerRecord): Promise<void>
}

export class AnswerTooLargeError extends Error {
  override readonly name = 'AnswerTooLargeError'
}

export interface DynamoAnswerStoreOptions {
  client: DynamoDBClient
  tableName: string
  ttlSeconds?: number
  writeTimeoutMs?: number
  clock?: Clock
}

export class DynamoAnswerStore implements AnswerArchive {
  private readonly clock: Clock

  constructor(private readonly options: DynamoAnswerStoreOptions) {
    this.clock = options.clock ?? systemClock
  }

  async save(record: AnswerRecord): Promise<void> {
    const item = toAnswerItem(record, this.clock.now(), this.options.ttlSeconds ?? ANSWER_TTL_SECONDS)
    await this.options.client.send(new PutItemCommand({ TableName: this.options.tableName, Item: item }), {
      abortSignal: AbortSignal.timeout(this.options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS),
    })
  }

  /** The owner's recent streams stored with what was asked (see listRecentStreams). */
  listRecent(userId: string): Promise<RecentStream[]> {
    return listRecentStreams(this.options.client, this.options.tableName, userId, this.clock.now())
  }

  /** The owner's stored answers of one stream (of one model when given), unexpired, in model id order. */
  async read(userId: string, streamId: string, modelId?: string): Promise<ArchivedAnswer[]> {
    const { client, tableName } = this.options
    const { partitionKey, sortKey } = ANSWER_TABLE
    let items: Array<Record<string, AttributeValue>>
    if (modelId !== undefined) {
      const result = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { [partitionKey]: { S: userId }, [sortKey]: { S: answerSortKey(streamId, modelId) } },
          ConsistentRead: true,
        }),
      )
      items = result.Item ? [result.Item] : []
    } else {
      items = []
      let startKey: Record<string, AttributeValue> | undefined
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#user = :user AND begins_with(#sort, :stream)',
            ExpressionAttributeNames: { '#user': partitionKey, '#sort': sortKey },
            ExpressionAttributeValues: { ':user': { S: userId }, ':stream': { S: answerSortKey(streamId, '') } },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        )
        items.push(...(page.Items ?? []))
        startKey = page.LastEvaluatedKey
      } while (startKey)
    }
    // TTL deletes lazily (often days later): an expired item is treated as gone.
    const nowSeconds = Math.floor(this.clock.now() / 1000)
    return items
      .filter((item) => item[ANSWER_TABLE.partitionKey]?.S === userId)
      .filter((item) => Number(item[ANSWER_TABLE.ttlAttribute]?.N ?? 0) > nowSeconds)
      .map(fromAnswerItem)
      .filter((answer): answer is ArchivedAnswer => answer !== undefined && answer.streamId === streamId)
      .sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0))
  }
}

/** Pages of the user's partition read for one list: 1 MB each, far more than a day's items without their texts. */
const MAX_LIST_PAGES = 20

/**
 * The owner's unexpired streams that were stored with what was asked (newest first, at most MAX_RECENT_STREAMS):
 * one query of the owner's partition, projected to the small attributes (never the answers' texts).
 */
export async function listRecentStreams(
  client: DynamoDBClient,
  tableName: string,
  userId: string,
  nowMs: number,
): Promise<RecentStream[]> {
  const { partitionKey, ttlAttribute } = ANSWER_TABLE
  const streams = new Map<string, RecentStream>()
  let startKey: Record<string, AttributeValue> | undefined
  let pages = 0
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#user = :user',
        // Aliased, each: a projection may not name a DynamoDB reserved word directly.
        ProjectionExpression: '#user, #stream, #model, #asked, #stored, #ttl',
        ExpressionAttributeNames: {
          '#user': partitionKey,
          '#stream': 'streamId',
          '#model': 'modelId',
          '#asked': 'asked',
          '#stored': 'storedAt',
          '#ttl': ttlAttribute,
        },
        ExpressionAttributeValues: { ':user': { S: userId } },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    )
    for (const item of page.Items ?? []) {
      if (item[partitionKey]?.S !== userId) continue
      if (Number(item[ttlAttribute]?.N ?? 0) <= Math.floor(nowMs / 1000)) continue
      const streamId = item.streamId?.S
      const modelId = item.modelId?.S
      const asked = parseAsked(item.asked?.S)
      if (!streamId || !modelId || !asked) continue
      const storedAt = Number(item.storedAt?.N ?? 0)
      const known = streams.get(streamId)
      if (known) {
        known.storedAt = Math.max(known.storedAt, storedAt)
        if (!known.storedModelIds.includes(modelId)) known.storedModelIds.push(modelId)
      } else streams.set(streamId, { streamId, storedAt, storedModelIds: [modelId], asked })
    }
    startKey = page.LastEvaluatedKey
    pages += 1
  } while (startKey && pages < MAX_LIST_PAGES)
  return [...streams.values()].sort((a, b) => b.storedAt - a.storedAt).slice(0, MAX_RECENT_STREAMS)
}

function parseAsked(text: string | undefined): Asked | undefined {
  if (text === undefined) return undefined
  try {
    const parsed = AskedSchema.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** The DynamoDB item for an answer stored at `nowMs`, expiring `ttlSeconds` later. */
export function toAnswerItem(
  record: AnswerRecord,
  nowMs: number,
  ttlSeconds = ANSWER_TTL_SECONDS,
): Record<string, AttributeValue> {
  const { partitionKey, sortKey, ttlAttribute } = ANSWER_TABLE
  const item: Record<string, AttributeValue> = {
    [partitionKey]: { S: record.userId },
    [sortKey]: { S: answerSortKey(record.streamId, record.modelId) },
    streamId: { S: record.streamId },
    modelId: { S: record.modelId },
    ...channelAttributes(record.text, record.reasoning),
    status: { S: record.status },
    chunks: { N: String(record.chunks) },
    sha256: { S: record.sha256 },
    storedAt: { N: String(Math.floor(nowMs)) },
    [ttlAttribute]: { N: String(Math.floor(nowMs / 1000) + ttlSeconds) },
  }
  if (record.asked) item.asked = { S: JSON.stringify(record.asked) }
  if (record.error) item.error = { M: { code: { S: record.error.code }, message: { S: record.error.message } } }
  if (record.usage) item.usage = numberMap(record.usage)
  if (record.reasoningSha256) item.reasoningSha256 = { S: record.reasoningSha256 }
  if (record.stopReason) item.stopReason = { S: record.stopReason }
  if (record.rawStopReason) item.rawStopReason = { S: record.rawStopReason }
  if (record.toolNames?.length) item.toolNames = { L: record.toolNames.map((name) => ({ S: name })) }
  if (record.redactedReasoning) item.redactedReasoning = { N: String(record.redactedReasoning) }
  if (record.metrics && Object.keys(record.metrics).length > 0) item.metrics = numberMap(record.metrics)
  return item
}

function numberMap(values: Record<string, number | undefined>): AttributeValue {
  const map: Record<string, AttributeValue> = {}
  for (const [key, value] of Object.entries(values)) if (value !== undefined) map[key] = { N: String(value) }
  return { M: map }
}

/** The text and reasoning attributes, within MAX_TEXT_BYTES together (see the file's header for the order). */
function channelAttributes(text: string, reasoning: string | undefined): Record<string, AttributeValue> {
  const textBytes = Buffer.byteLength(text, 'utf8')
  if (textBytes > MAX_ANSWER_BYTES) {
    throw new AnswerTooLargeError(`The answer is too large to store (${textBytes} bytes).`)
  }
  const reasoningBytes = reasoning ? Buffer.byteLength(reasoning, 'utf8') : 0
  if (textBytes + reasoningBytes <= MAX_TEXT_BYTES) {
    return { text: { S: text }, ...(reasoning ? { reasoning: { S: reasoning } } : {}) }
  }
  const textGzip = new Uint8Array(gzipSync(Buffer.from(text, 'utf8')))
  if (reasoning && reasoningBytes <= MAX_ANSWER_BYTES) {
    const reasoningGzip = new Uint8Array(gzipSync(Buffer.from(reasoning, 'utf8')))
    if (textGzip.byteLength + reasoningGzip.byteLength <= MAX_TEXT_BYTES) {
      return { textGzip: { B: textGzip }, reasoningGzip: { B: reasoningGzip } }
    }
  }
  // The reasoning does not fit beside the answer: the answer alone is kept, saying so.
  const omitted: Record<string, AttributeValue> = reasoning ? { reasoningOmitted: { BOOL: true } } : {}
  if (textBytes <= MAX_TEXT_BYTES) return { text: { S: text }, ...omitted }
  if (textGzip.byteLength <= MAX_TEXT_BYTES) return { textGzip: { B: textGzip }, ...omitted }
  throw new AnswerTooLargeError(`The answer is too large to store (${textGzip.byteLength} bytes compressed).`)
}

/** The answer an item holds, or undefined for an item that is not a valid answer. */
export function fromAnswerItem(item: Record<string, AttributeValue>): ArchivedAnswer | undefined {
  try {
    const text = item.text?.S ?? (item.textGzip?.B ? gunzipSync(item.textGzip.B).toString('utf8') : undefined)
    const reasoning =
      item.reasoning?.S ?? (item.reasoningGzip?.B ? gunzipSync(item.reasoningGzip.B).toString('utf8') : undefined)
    const usage = item.usage?.M
    const error = item.error?.M
    const parsed = ArchivedAnswerSchema.safeParse({
      streamId: item.streamId?.S,
      modelId: item.modelId?.S,
      text,
      status: item.status?.S,
      chunks: Number(item.chunks?.N),
      sha256: item.sha256?.S,
      ...(error ? { error: { code: error.code?.S, message: error.message?.S } } : {}),
      ...(usage
        ? {
            usage: {
              ...(usage.inputTokens?.N !== undefined ? { inputTokens: Number(usage.inputTokens.N) } : {}),
              ...(usage.outputTokens?.N !== undefined ? { outputTokens: Number(usage.outputTokens.N) } : {}),
            },
          }
        : {}),
      storedAt: Number(item.storedAt?.N),
      ...v2Fields(item, reasoning),
    })
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/** What protocol v2 added to an item (each attribute only when present; the schema checks the values). */
function v2Fields(item: Record<string, AttributeValue>, reasoning: string | undefined): ArchivedAnswerV2Fields {
  const numbers = (map: Record<string, AttributeValue> | undefined) =>
    map && Object.fromEntries(Object.entries(map).map(([key, value]) => [key, Number(value.N)]))
  const fields: Record<string, unknown> = {
    reasoning,
    reasoningSha256: item.reasoningSha256?.S,
    reasoningOmitted: item.reasoningOmitted?.BOOL,
    stopReason: item.stopReason?.S,
    rawStopReason: item.rawStopReason?.S,
    toolNames: item.toolNames?.L?.map((name) => name.S),
    redactedReasoning: item.redactedReasoning?.N !== undefined ? Number(item.redactedReasoning.N) : undefined,
    metrics: numbers(item.metrics?.M),
  }
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as ArchivedAnswerV2Fields
}
