/**
 * DynamoDB at the edge of the world, for aws-sdk-client-mock: a table of items that applies GetItem and UpdateItem
 * the way DynamoDB does, one request at a time (each update is atomic: its condition is checked against the item as
 * it is when the request is applied). It understands the expression subset a counter needs: `SET a = :v`, `ADD a :n`,
 * `REMOVE a`; conditions with `attribute_not_exists(a)`, `=`, `<>`, `<`, `<=`, `>`, `>=`, AND, OR and parentheses;
 * `#names` and `:values`; a failed condition throws ConditionalCheckFailedException (with the old item when the
 * request asks for ALL_OLD); `ReturnValues: 'ALL_NEW'` answers with the item as written. As DynamoDB does, a `#name`
 * or `:value` the expressions do not use is refused. Anything else throws, so a test cannot pass on an expression it
 * did not evaluate.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type GetItemCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb'
import type { AwsClientStub } from 'aws-sdk-client-mock'

type Item = Record<string, AttributeValue>

export class DynamoItemTable {
  readonly items = new Map<string, Item>()
  /** The sort key (or partition key) of each update whose condition failed, in order. */
  readonly conditionFailures: string[] = []
  /**
   * Called before each request is applied: a test may change the table there (another writer got in first), or
   * throw to fail the request as DynamoDB would (throttling, an outage).
   */
  beforeApply?: (input: UpdateItemCommandInput | GetItemCommandInput) => void

  constructor(readonly keyNames: readonly string[]) {}

  /** Routes the stub's GetItem and UpdateItem to this table. */
  serve(stub: AwsClientStub<DynamoDBClient>): void {
    stub.on(GetItemCommand).callsFake((input: GetItemCommandInput) => {
      this.beforeApply?.(input)
      const item = this.items.get(this.keyOf(input.Key!))
      return { ...(item ? { Item: structuredClone(item) } : {}) }
    })
    stub.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => {
      this.beforeApply?.(input)
      const item = this.update(input)
      return input.ReturnValues === 'ALL_NEW' ? { Attributes: structuredClone(item) } : {}
    })
  }

  /** A number attribute of an item, undefined when absent. */
  number(key: Record<string, string>, attribute: string): number | undefined {
    const value = this.items.get(this.keyOf(toKey(key)))?.[attribute]
    return value?.N === undefined ? undefined : Number(value.N)
  }

  put(key: Record<string, string>, attributes: Record<string, number | string>): void {
    const item: Item = toKey(key)
    for (const [name, value] of Object.entries(attributes))
      item[name] = typeof value === 'number' ? { N: String(value) } : { S: value }
    this.items.set(this.keyOf(toKey(key)), item)
  }

  private update(input: UpdateItemCommandInput): Item {
    const id = this.keyOf(input.Key!)
    const old = this.items.get(id)
    const names = input.ExpressionAttributeNames ?? {}
    const values = input.ExpressionAttributeValues ?? {}
    const expressions = `${input.UpdateExpression ?? ''} ${input.ConditionExpression ?? ''}`
    for (const token of [...Object.keys(names), ...Object.keys(values)])
      if (!new RegExp(`${token}\\b`).test(expressions))
        throw new Error(`${token} is not used in the expressions (DynamoDB refuses the request)`)
    const context = { item: old ?? {}, names, values }
    if (input.ConditionExpression && !evaluate(tokenize(input.ConditionExpression), context)) {
      this.conditionFailures.push(id.split('|').at(-1)!)
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        ...(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: structuredClone(old) } : {}),
      })
    }
    const item: Item = structuredClone(old ?? { ...input.Key! })
    for (const [action, body] of clauses(input.UpdateExpression ?? '')) {
      for (const part of body.split(',').map((p) => p.trim())) {
        if (action === 'SET') {
          const [path, operand] = part.split('=').map((p) => p.trim())
          item[nameOf(path!, names)] = valueOf(operand!, values)
        } else if (action === 'ADD') {
          const [path, operand] = part.split(/\s+/)
          const name = nameOf(path!, names)
          const add = Number(valueOf(operand!, values).N)
          item[name] = { N: String(Number(item[name]?.N ?? 0) + add) }
        } else {
          delete item[nameOf(part, names)]
        }
      }
    }
    this.items.set(id, item)
    return item
  }

  private keyOf(key: Record<string, AttributeValue>): string {
    return this.keyNames.map((name) => key[name]?.S ?? key[name]?.N ?? '').join('|')
  }
}

function toKey(key: Record<string, string>): Item {
  return Object.fromEntries(Object.entries(key).map(([name, value]) => [name, { S: value }]))
}

function clauses(expression: string): Array<['SET' | 'ADD' | 'REMOVE', string]> {
  const found: Array<['SET' | 'ADD' | 'REMOVE', string]> = []
  const pattern = /\b(SET|ADD|REMOVE)\b/g
  const marks = [...expression.matchAll(pattern)]
  if (marks.length === 0) throw new Error(`Unsupported update expression: ${expression}`)
  marks.forEach((mark, i) => {
    const end = marks[i + 1]?.index ?? expression.length
    found.push([mark[1] as 'SET' | 'ADD' | 'REMOVE', expression.slice(mark.index + mark[0].length, end).trim()])
  })
  return found
}

function nameOf(path: string, names: Record<string, string>): string {
  if (!path.startsWith('#')) return path
  const name = names[path]
  if (name === undefined) throw new Error(`No ExpressionAttributeNames entry for ${path}`)
  return name
}

function valueOf(token: string, values: Record<string, AttributeValue>): AttributeValue {
  const value = values[token]
  if (value === undefined) throw new Error(`No ExpressionAttributeValues entry for ${token}`)
  return value
}

interface EvalContext {
  item: Item
  names: Record<string, string>
  values: Record<string, AttributeValue>
}

function tokenize(expression: string): string[] {
  return expression.match(/attribute_not_exists\([^)]*\)|<>|<=|>=|[()<>=]|[#:]?[A-Za-z0-9_]+/g) ?? []
}

/** Recursive descent over OR / AND / ( … ) / comparisons. */
function evaluate(tokens: string[], context: EvalContext): boolean {
  let position = 0
  const next = () => tokens[position++]
  const peek = () => tokens[position]
  const operand = (token: string): AttributeValue | undefined =>
    token.startsWith(':') ? valueOf(token, context.values) : context.item[nameOf(token, context.names)]
  const factor = (): boolean => {
    const token = next()
    if (token === undefined) throw new Error('Unexpected end of condition')
    if (token === '(') {
      const result = or()
      if (next() !== ')') throw new Error('Unbalanced parentheses in condition')
      return result
    }
    const exists = /^attribute_not_exists\((.+)\)$/.exec(token)
    if (exists) return context.item[nameOf(exists[1]!.trim(), context.names)] === undefined
    const operator = next()
    const right = next()
    if (operator === undefined || right === undefined) throw new Error(`Incomplete comparison at ${token}`)
    return compare(operand(token), operator, operand(right))
  }
  const and = (): boolean => {
    let result = factor()
    while (peek() === 'AND') {
      next()
      result = factor() && result
    }
    return result
  }
  const or = (): boolean => {
    let result = and()
    while (peek() === 'OR') {
      next()
      result = and() || result
    }
    return result
  }
  const result = or()
  if (position !== tokens.length) throw new Error(`Unsupported condition near ${tokens[position]}`)
  return result
}

function compare(left: AttributeValue | undefined, operator: string, right: AttributeValue | undefined): boolean {
  // DynamoDB: a comparison with a missing attribute is false.
  if (left === undefined || right === undefined)
    return operator === '<>' && (left === undefined) !== (right === undefined)
  const a = left.N !== undefined ? Number(left.N) : left.S
  const b = right.N !== undefined ? Number(right.N) : right.S
  if (a === undefined || b === undefined) throw new Error('Only N and S attributes are compared')
  switch (operator) {
    case '=':
      return a === b
    case '<>':
      return a !== b
    case '<':
      return a < b
    case '<=':
      return a <= b
    case '>':
      return a > b
    case '>=':
      return a >= b
    default:
      throw new Error(`Unsupported operator ${operator}`)
  }
}
