/**
 * The chat Lambda (src-main/backend/lambda/chat-lambda.ts): streams the configured models and publishes each
 * answer to the caller's topics. Its role may invoke only the configured Bedrock models, publish only under the
 * topic prefix, read only stop requests, read only the configured API-key secrets, put items into the answer
 * store, read and update the spend guard's counters, and read uploaded attachments. Its reserved concurrency bounds how many prompts stream at
 * once across all users, so runaway use cannot take the account's whole Lambda concurrency.
 */
import path from 'node:path'
import { Construct } from 'constructs'
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config/index.js'
import { lambdaCatalog, type ModelCatalog } from '../../src-main/backend/cloud-models'
import { LAMBDA_ENV } from '../../src-main/backend/lambda/lambda-env'
import type { AwsArns } from '../lib/aws-arns'
import { NodeLambda } from '../lib/node-lambda'
import type { PolicyStatement } from '../lib/policy-document'
import type { StackConfig } from '../config/stack-config'
import { CHAT_LAMBDA_MEMORY_MB } from './chat-lambda-memory'

export interface ChatOptions {
  namePrefix: string
  topicPrefix: string
  models: ModelCatalog
  arns: AwsArns
  iotEndpoint: string
  identityPoolId: string
  bundleDir: string
  logRetentionDays: number
  timeoutSeconds: number
  /** The answer store's table and the one statement that lets the function write to it. */
  answerStore: { tableName: string; writeStatement: PolicyStatement }
  /** The spend guard's table, its one statement, and the per-user limits the function enforces. */
  spend: { tableName: string; statement: PolicyStatement; budgets: StackConfig['budgets'] }
  /** The attachments bucket and the one statement that lets the function read uploads. */
  uploads: { bucketName: string; readStatement: PolicyStatement }
  /** Reserved concurrent executions; none when undefined. */
  reservedConcurrency?: number
}

const CHAT_ENTRY = path.resolve(import.meta.dirname, '../../src-main/backend/lambda/chat-lambda.ts')

export class Chat extends Construct {
  readonly chatFunction: NodeLambda

  constructor(scope: Construct, id: string, options: ChatOptions) {
    super(scope, id)
    this.chatFunction = new NodeLambda(this, 'chat', {
      functionName: `${options.namePrefix}-chat`,
      description: "Streams the StreamDesk models and publishes the answers to the caller's IoT topics",
      entry: CHAT_ENTRY,
      bundleDir: options.bundleDir,
      environment: {
        [LAMBDA_ENV.topicPrefix]: options.topicPrefix,
        [LAMBDA_ENV.iotEndpoint]: options.iotEndpoint,
        [LAMBDA_ENV.models]: JSON.stringify(lambdaCatalog(options.models)),
        [LAMBDA_ENV.identityPoolId]: options.identityPoolId,
        [LAMBDA_ENV.answerTable]: options.answerStore.tableName,
        [LAMBDA_ENV.spendTable]: options.spend.tableName,
        [LAMBDA_ENV.dailyTokens]: String(options.spend.budgets.dailyTokens),
        [LAMBDA_ENV.monthlyTokens]: String(options.spend.budgets.monthlyTokens),
        [LAMBDA_ENV.concurrentStreams]: String(options.spend.budgets.concurrentStreams),
        [LAMBDA_ENV.uploadBucket]: options.uploads.bucketName,
      },
      timeoutSeconds: options.timeoutSeconds,
      memoryMb: CHAT_LAMBDA_MEMORY_MB,
      logRetentionDays: options.logRetentionDays,
      statements: chatStatements(options),
      ...(options.reservedConcurrency !== undefined ? { reservedConcurrency: options.reservedConcurrency } : {}),
    })

    // A failed asynchronous invocation is retried by default, which would stream the answer a second time into
    // the same topic. The handler never throws for a model's failure; a crash is reported by the app's timeout.
    new LambdaFunctionEventInvokeConfig(this, 'no-retries', {
      functionName: this.chatFunction.function.functionName,
      maximumRetryAttempts: 0,
      maximumEventAgeInSeconds: 60, // a prompt that waited longer in Lambda's queue is no longer awaited
    })
  }
}

function chatStatements({ arns, topicPrefix, models, answerStore, spend, uploads }: ChatOptions): PolicyStatement[] {
  const modelArns = unique(models.flatMap((m) => (m.provider === 'bedrock' ? arns.bedrockModel(m.modelId) : [])))
  const secretArns = unique(
    models.flatMap((m) => (m.provider === 'openai-compatible' && m.apiKeySecretArn ? [m.apiKeySecretArn] : [])),
  )
  return [
    ...(modelArns.length > 0
      ? [
          {
            Sid: 'StreamConfiguredModels',
            Effect: 'Allow' as const,
            Action: ['bedrock:InvokeModelWithResponseStream'],
            Resource: modelArns,
          },
        ]
      : []),
    {
      Sid: 'PublishAnswers',
      Effect: 'Allow',
      // RetainPublish: clearing a stream's retained stop request is a retained publish.
      Action: ['iot:Publish', 'iot:RetainPublish'],
      Resource: [arns.iot(`topic/${topicPrefix}/*`)],
    },
    {
      Sid: 'ReadStopRequests',
      Effect: 'Allow',
      Action: ['iot:GetRetainedMessage'],
      Resource: [arns.iot(`topic/${topicPrefix}/*/control/*`)],
    },
    ...(secretArns.length > 0
      ? [
          {
            Sid: 'ReadModelApiKeys',
            Effect: 'Allow' as const,
            Action: ['secretsmanager:GetSecretValue'],
            Resource: secretArns,
          },
        ]
      : []),
    answerStore.writeStatement,
    spend.statement,
    uploads.readStatement,
  ]
}

function unique(values: string[]): string[] {
  return [...new Set(values)]
}
