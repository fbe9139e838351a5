/**
 * DynamoDB stood in for at the SDK edge (aws-sdk-client-mock): PutItem, GetItem and Query (the key condition the
 * answer store uses) over an in-memory table, so the real DynamoAnswerStore writes and the real fetch-stream
 * handler reads exactly as they would against the deployed table.
 */
import { mockClient } from 'aws-sdk-client-mock'
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb'
import { ANSWER_TABLE } from '../../../src-main/protocol/answer-archive'

export const dynamo = mockClient(DynamoDBClient)

type Item = Record<string, AttributeValue>

export interface FakeAnswerTable {
  items: Map<string, Item>
  /** Fail the next `count` PutItem calls (a throttled or unreachable table). */
  failPuts(count: number): void
}

/** The item with only the attributes a ProjectionExpression names (aliases resolved), or whole without one. */
function project(item: Item, input: QueryCommandInput): Item {
  if (!input.ProjectionExpression) return item
  const names = input.ProjectionExpression.split(',').map((name) => {
    const trimmed = name.trim()
    return input.ExpressionAttributeNames?.[trimmed] ?? trimmed
  })
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.includes(name)))
}

/** Resets the DynamoDB mock onto a fresh in-memory table named `tableName`. */
export function fakeAnswerTable(tableName: string): FakeAnswerTable {
  const items = new Map<string, Item>()
  const { partitionKey, sortKey } = ANSWER_TABLE
  const keyOf = (item: Item) => `${item[partitionKey]?.S}\u0000${item[sortKey]?.S}`
  const checkTable = (name: string | undefined) => {
    if (name !== tableName)
      throw Object.assign(new Error(`Requested resource not found: ${name}`), { name: 'ResourceNotFoundException' })
  }
  let failures = 0
  dynamo.reset()
  dynamo.on(PutItemCommand).callsFake((input: PutItemCommandInput) => {
    checkTable(input.TableName)
    if (failures > 0) {
      failures -= 1
      throw Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' })
    }
    items.set(keyOf(input.Item!), structuredClone(input.Item!))
    return {}
  })
  dynamo.on(GetItemCommand).callsFake((input: GetItemCommandInput) => {
    checkTable(input.TableName)
    const item = items.get(keyOf(input.Key!))
    return item ? { Item: structuredClone(item) } : {}
  })
  dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    checkTable(input.TableName)
    // Only the answer store's own conditions are understood (one stream's answers, or the user's whole partition
    // for the recent streams' list); anything else is a test bug.
    const wholePartition = input.KeyConditionExpression === '#user = :user'
    if (!wholePartition && input.KeyConditionExpression !== '#user = :user AND begins_with(#sort, :stream)')
      throw new Error('unexpected query')
    const user = input.ExpressionAttributeValues![':user']!.S!
    const prefix = wholePartition ? '' : input.ExpressionAttributeValues![':stream']!.S!
    const found = [...items.values()].filter(
      (item) => item[partitionKey]?.S === user && item[sortKey]?.S?.startsWith(prefix),
    )
    return { Items: found.map((item) => project(structuredClone(item), input)) }
  })
  return {
    items,
    failPuts(count) {
      failures = count
    },
  }
}
