/**
 * The answer store (src-main/protocol/answer-archive.ts): a DynamoDB table where the chat Lambda keeps each finished
 * answer for a day, keyed by the owner's Cognito identity id and `<streamId>#<modelId>`, and the fetch-stream Lambda
 * that hands a signed-in user their own answers back when chunks were lost.
 *
 * Least privilege: the chat Lambda may only PutItem, the fetch Lambda only GetItem and Query, both on this table
 * alone. Neither role can be narrowed to one user with `dynamodb:LeadingKeys = ${cognito-identity.amazonaws.com:sub}`:
 * that policy variable exists only in a role assumed BY the user through the identity pool, and the Lambdas run
 * under their own service roles. What confines each caller to their own partition is the Lambdas' code, which takes
 * the partition key from Lambda's context (the caller's identity as Lambda authenticated it), never from the event.
 * The LeadingKeys condition that does apply still keeps both roles to partition keys shaped like this region's
 * identity ids (`<region>:…`). Users themselves get no DynamoDB permission at all, only lambda:InvokeFunction.
 */
import path from 'node:path'
import { Construct } from 'constructs'
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table/index.js'
import { LAMBDA_ENV } from '../../src-main/backend/lambda/lambda-env'
import { ANSWER_TABLE } from '../../src-main/protocol/answer-archive'
import { NodeLambda } from '../lib/node-lambda'
import type { PolicyStatement } from '../lib/policy-document'

export interface AnswersOptions {
  namePrefix: string
  region: string
  identityPoolId: string
  bundleDir: string
  logRetentionDays: number
}

const FETCH_STREAM_ENTRY = path.resolve(import.meta.dirname, '../../src-main/backend/lambda/fetch-stream-lambda.ts')

export class Answers extends Construct {
  readonly table: DynamodbTable
  readonly fetchFunction: NodeLambda
  private readonly region: string

  constructor(scope: Construct, id: string, options: AnswersOptions) {
    super(scope, id)
    this.region = options.region
    this.table = new DynamodbTable(this, 'table', {
      name: `${options.namePrefix}-answers`,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: ANSWER_TABLE.partitionKey,
      rangeKey: ANSWER_TABLE.sortKey,
      attribute: [
        { name: ANSWER_TABLE.partitionKey, type: 'S' },
        { name: ANSWER_TABLE.sortKey, type: 'S' },
      ],
      // Items carry their own expiry (stored + 24 h); DynamoDB deletes them after it, and the reader ignores them.
      ttl: { attributeName: ANSWER_TABLE.ttlAttribute, enabled: true },
      // Encrypted with the account's AWS-managed DynamoDB key, whose key policy admits callers DynamoDB admits.
      serverSideEncryption: { enabled: true },
    })

    this.fetchFunction = new NodeLambda(this, 'fetch-stream', {
      functionName: `${options.namePrefix}-fetch-stream`,
      description: "Returns the calling Cognito identity's stored StreamDesk answers for one stream",
      entry: FETCH_STREAM_ENTRY,
      bundleDir: options.bundleDir,
      environment: {
        [LAMBDA_ENV.answerTable]: this.table.name,
        [LAMBDA_ENV.identityPoolId]: options.identityPoolId,
      },
      timeoutSeconds: 10,
      memoryMb: 256,
      logRetentionDays: options.logRetentionDays,
      statements: [this.statement('ReadCallersAnswers', ['dynamodb:GetItem', 'dynamodb:Query'])],
    })
  }

  /** What the chat Lambda needs to keep answers: PutItem on this table, nothing else. */
  writeStatement(): PolicyStatement {
    return this.statement('StoreFinishedAnswers', ['dynamodb:PutItem'])
  }

  private statement(sid: string, actions: string[]): PolicyStatement {
    return {
      Sid: sid,
      Effect: 'Allow',
      Action: actions,
      Resource: [this.table.arn],
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${this.region}:*`] } },
    }
  }
}
