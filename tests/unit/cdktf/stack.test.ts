/**
 * The synthesized Terraform JSON of the StreamDesk stack: every resource, and the least privilege of every policy,
 * read from the policy documents themselves. One synth for the whole file (the AWS provider is large).
 */
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Testing } from 'cdktf'
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js'
import { CognitoIdentityPool } from '@cdktf/provider-aws/lib/cognito-identity-pool/index.js'
import { CognitoIdentityPoolRolesAttachment } from '@cdktf/provider-aws/lib/cognito-identity-pool-roles-attachment/index.js'
import { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool/index.js'
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client/index.js'
import { DataAwsIotEndpoint } from '@cdktf/provider-aws/lib/data-aws-iot-endpoint/index.js'
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table/index.js'
import { IotPolicy } from '@cdktf/provider-aws/lib/iot-policy/index.js'
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js'
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config/index.js'
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission/index.js'
import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget/index.js'
import { resolveStackConfig } from '../../../cdktf/config/stack-config'
import type { PolicyDocument, PolicyStatement } from '../../../cdktf/lib/policy-document'
import { StreamDeskStack } from '../../../cdktf/stack'
import { CloudConfigSchema, parseCloudConfig } from '../../../src-main/protocol/cloud-config'
import { makeTempDirSync } from '../../support/temp-dir'

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:streamdesk/openai-AbCdEf'
const config = resolveStackConfig({
  region: 'eu-west-1',
  namePrefix: 'sd-test',
  topicPrefix: 'sdt',
  logRetentionDays: 14,
  // Self sign-up for two domains (the default, invite-only, is synthesized in spend-guard-stack.test.ts).
  signUp: { policy: 'allowed-domains', domains: ['example.com', 'corp.example.org'] },
  budgets: { dailyTokens: 150_000, monthlyTokens: 2_000_000, concurrentStreams: 3 },
  chatReservedConcurrency: 25,
  costAlarm: { monthlyUsd: 75, email: 'ops@example.com' },
  models: [
    {
      id: 'claude',
      label: 'Claude Sonnet 4',
      provider: 'bedrock',
      modelId: 'eu.anthropic.claude-sonnet-4-20250514-v1:0',
      reasoning: true,
      price: { inputPerMillion: 3, outputPerMillion: 15 },
    },
    { id: 'titan', label: 'Titan Lite', provider: 'bedrock', modelId: 'amazon.titan-text-lite-v1' },
    {
      id: 'gpt',
      label: 'GPT-4o mini',
      provider: 'openai-compatible',
      baseUrl: 'https://api.openai.com/v1',
      model: 'gpt-4o-mini',
      apiKeySecretArn: SECRET,
    },
    // Sharing a secret must not repeat it in the policy.
    {
      id: 'gpt-big',
      label: 'GPT-4o',
      provider: 'openai-compatible',
      baseUrl: 'https://api.openai.com/v1',
      model: 'gpt-4o',
      apiKeySecretArn: SECRET,
    },
  ],
})

/** Terraform's own reading of a string: `$${` is an escaped `${`. */
const terraformString = (text: string) => text.replace(/\$\$\{/g, '${')
/** Data-source interpolations replaced by sample values, so documents read like deployed ones. */
const deployed = (text: string) =>
  terraformString(text)
    .replace(/\$\{data\.aws_partition\.[\w-]+\.partition\}/g, 'aws')
    .replace(/\$\{data\.aws_caller_identity\.[\w-]+\.account_id\}/g, '123456789012')

interface Synthesized {
  resource: Record<string, Record<string, Record<string, unknown>>>
  data: Record<string, Record<string, Record<string, unknown>>>
  output: Record<string, { value: unknown }>
}

let synth: string
let tf: Synthesized
let bundleDir: string
let synthSeconds: number

beforeAll(() => {
  bundleDir = makeTempDirSync('bundles')
  const started = performance.now()
  const stack = new StreamDeskStack(Testing.app({ outdir: makeTempDirSync('cdktf-out') }), 'streamdesk', {
    config,
    bundleDir,
  })
  synth = Testing.synth(stack)
  synthSeconds = (performance.now() - started) / 1000
  tf = JSON.parse(synth) as Synthesized
}, 180_000)

afterAll(() => rmSync(bundleDir, { recursive: true, force: true }))

const resources = (type: string) => Object.entries(tf.resource[type] ?? {})
/** Whether a resource's Terraform name (`auth_user-pool_BFA4F40C`) comes from a construct path ending in `pathEnd`. */
const namedFor = (name: string, pathEnd: string) => {
  const logical = name.replace(/_[0-9A-F]{8}$/, '')
  const wanted = pathEnd.replaceAll('/', '_')
  return logical === wanted || logical.endsWith(`_${wanted}`)
}
/** The one resource of `type` whose construct path ends with `pathEnd`. */
function named(type: string, pathEnd: string): [string, Record<string, unknown>] {
  const found = resources(type).filter(([name]) => namedFor(name, pathEnd))
  expect(
    found.map(([name]) => name),
    `${type} at …${pathEnd}`,
  ).toHaveLength(1)
  return found[0]!
}
const resource = (type: string, pathEnd: string) => named(type, pathEnd)[1]
const reference = (type: string, pathEnd: string, attribute: string) =>
  `\${${type}.${named(type, pathEnd)[0]}.${attribute}}`
const policyOf = (type: string, pathEnd: string, field = 'policy') =>
  JSON.parse(deployed(resource(type, pathEnd)[field] as string)) as PolicyDocument
const allPolicies = (): Array<{ where: string; document: PolicyDocument }> => [
  ...resources('aws_iam_role_policy').map(([name, body]) => ({
    where: name,
    document: JSON.parse(deployed(body.policy as string)) as PolicyDocument,
  })),
  ...resources('aws_iot_policy').map(([name, body]) => ({
    where: name,
    document: JSON.parse(deployed(body.policy as string)) as PolicyDocument,
  })),
]

const ARN = 'arn:aws:iot:eu-west-1:123456789012'
const SELF = '${cognito-identity.amazonaws.com:sub}'
const USER_IOT_STATEMENTS: PolicyStatement[] = [
  // Its own identity id, or it followed by `-<device id>` (one session per computer): nobody else's.
  {
    Sid: 'ConnectAsSelf',
    Effect: 'Allow',
    Action: ['iot:Connect'],
    Resource: [`${ARN}:client/${SELF}`, `${ARN}:client/${SELF}-*`],
  },
  // Its own streams' filter and its own announcements' filter (prompts asked on its other devices), nothing wider.
  {
    Sid: 'SubscribeToOwnStreams',
    Effect: 'Allow',
    Action: ['iot:Subscribe'],
    Resource: [`${ARN}:topicfilter/sdt/${SELF}/+`, `${ARN}:topicfilter/sdt/${SELF}/announce/+`],
  },
  { Sid: 'ReceiveOwnTopics', Effect: 'Allow', Action: ['iot:Receive'], Resource: [`${ARN}:topic/sdt/${SELF}/*`] },
  {
    Sid: 'PublishOwnStopRequests',
    Effect: 'Allow',
    Action: ['iot:Publish', 'iot:RetainPublish'],
    Resource: [`${ARN}:topic/sdt/${SELF}/control/*`],
  },
]

describe('StreamDesk stack', () => {
  it('synthesizes in reasonable time', () => {
    expect(synthSeconds).toBeLessThan(120)
  })

  it('has a user pool with email sign-in and verification, a password policy and optional authenticator MFA', () => {
    expect(
      Testing.toHaveResourceWithProperties(synth, CognitoUserPool.tfResourceType, {
        name: 'sd-test-users',
        usernameAttributes: ['email'],
        autoVerifiedAttributes: ['email'],
        verificationMessageTemplate: { defaultEmailOption: 'CONFIRM_WITH_CODE' },
        passwordPolicy: { minimumLength: 12, requireLowercase: true, requireUppercase: true, requireNumbers: true },
        mfaConfiguration: 'OPTIONAL',
        softwareTokenMfaConfiguration: { enabled: true },
        adminCreateUserConfig: { allowAdminCreateUserOnly: false },
      }),
    ).toBe(true)
  })

  it('has a public app client with SRP, password and refresh-token sign-in, and bounded token lifetimes', () => {
    expect(
      Testing.toHaveResourceWithProperties(synth, CognitoUserPoolClient.tfResourceType, {
        userPoolId: reference('aws_cognito_user_pool', 'auth/user-pool', 'id'),
        generateSecret: false,
        explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        preventUserExistenceErrors: 'ENABLED',
        enableTokenRevocation: true,
        accessTokenValidity: 60,
        idTokenValidity: 60,
        refreshTokenValidity: 30,
        tokenValidityUnits: [{ accessToken: 'minutes', idToken: 'minutes', refreshToken: 'days' }],
      }),
    ).toBe(true)
  })

  it("has an identity pool for the user pool's client only, without unauthenticated identities", () => {
    expect(
      Testing.toHaveResourceWithProperties(synth, CognitoIdentityPool.tfResourceType, {
        identityPoolName: 'sd_test_identities',
        allowUnauthenticatedIdentities: false,
        allowClassicFlow: false,
        cognitoIdentityProviders: [
          {
            providerName: reference('aws_cognito_user_pool', 'auth/user-pool', 'endpoint'),
            clientId: reference('aws_cognito_user_pool_client', 'auth/desktop-client', 'id'),
            serverSideTokenCheck: true,
          },
        ],
      }),
    ).toBe(true)
    expect(
      Testing.toHaveResourceWithProperties(synth, CognitoIdentityPoolRolesAttachment.tfResourceType, {
        identityPoolId: reference('aws_cognito_identity_pool', 'auth/identity-pool', 'id'),
        roles: { authenticated: reference('aws_iam_role', 'app-user/role', 'arn') },
      }),
    ).toBe(true)
    expect(resource('aws_cognito_identity_pool_roles_attachment', 'app-user/roles')).not.toHaveProperty(
      'roles.unauthenticated',
    )
  })

  it('lets only authenticated identities of this pool assume the app user role', () => {
    expect(policyOf('aws_iam_role', 'app-user/role', 'assume_role_policy').Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: ['sts:AssumeRoleWithWebIdentity'],
        Condition: {
          StringEquals: {
            'cognito-identity.amazonaws.com:aud': reference('aws_cognito_identity_pool', 'auth/identity-pool', 'id'),
          },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
        },
      },
    ])
  })

  it('gives the app user role only its own topics and the four functions it calls, by ARN (no S3: uploads go through signed POSTs)', () => {
    expect(policyOf('aws_iam_role_policy', 'app-user/permissions').Statement).toEqual([
      ...USER_IOT_STATEMENTS,
      {
        Sid: 'InvokeStreamDeskFunctions',
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [
          reference('aws_lambda_function', 'chat/function', 'arn'),
          reference('aws_lambda_function', 'attach-policy/function', 'arn'),
          reference('aws_lambda_function', 'fetch-stream/function', 'arn'),
          reference('aws_lambda_function', 'presign/function', 'arn'),
        ],
      },
    ])
  })

  it('has an IoT policy with the same per-identity statements, keyed by the Cognito policy variable', () => {
    expect(Testing.toHaveResourceWithProperties(synth, IotPolicy.tfResourceType, { name: 'sd-test-user-access' })).toBe(
      true,
    )
    expect(policyOf('aws_iot_policy', 'realtime/user-policy').Statement).toEqual(USER_IOT_STATEMENTS)
  })

  it('escapes the policy variable for Terraform, so AWS receives ${cognito-identity.amazonaws.com:sub} literally', () => {
    for (const [type, pathEnd] of [
      ['aws_iot_policy', 'realtime/user-policy'],
      ['aws_iam_role_policy', 'app-user/permissions'],
    ] as const) {
      const raw = resource(type, pathEnd).policy as string
      expect(raw).toContain('client/$${cognito-identity.amazonaws.com:sub}')
      expect(terraformString(raw)).toContain('client/${cognito-identity.amazonaws.com:sub}')
    }
    // An unescaped `${cognito…}` anywhere would be a Terraform interpolation, and an error at plan time.
    expect(synth).not.toMatch(/(?<!\$)\$\{cognito-identity/)
  })

  it("uses the account's ATS data endpoint for the app and the chat Lambda", () => {
    expect(
      Testing.toHaveDataSourceWithProperties(synth, DataAwsIotEndpoint.tfResourceType, {
        endpointType: 'iot:Data-ATS',
      }),
    ).toBe(true)
    const endpoint = `\${data.aws_iot_endpoint.${Object.keys(tf.data.aws_iot_endpoint!)[0]}.endpoint_address}`
    expect(resource('aws_lambda_function', 'chat/function')).toMatchObject({
      environment: { variables: { STREAMDESK_IOT_ENDPOINT: endpoint } },
    })
  })

  it('deploys the chat Lambda with its configuration and no retries of asynchronous invocations', () => {
    expect(
      Testing.toHaveResourceWithProperties(synth, LambdaFunction.tfResourceType, {
        functionName: 'sd-test-chat',
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        timeout: 900,
        role: reference('aws_iam_role', 'chat/role', 'arn'),
        environment: {
          variables: {
            STREAMDESK_TOPIC_PREFIX: 'sdt',
            // Prices are the app's only: the Lambda's 4 KB environment never carries them.
            STREAMDESK_MODELS: JSON.stringify(config.models.map(({ price: _price, ...entry }) => entry)),
            STREAMDESK_IDENTITY_POOL_ID: reference('aws_cognito_identity_pool', 'auth/identity-pool', 'id'),
            STREAMDESK_ANSWER_TABLE: reference('aws_dynamodb_table', 'answers/table', 'name'),
            STREAMDESK_SPEND_TABLE: reference('aws_dynamodb_table', 'spend/table', 'name'),
            STREAMDESK_DAILY_TOKENS: '150000',
            STREAMDESK_MONTHLY_TOKENS: '2000000',
            STREAMDESK_CONCURRENT_STREAMS: '3',
            STREAMDESK_UPLOAD_BUCKET: reference('aws_s3_bucket', 'uploads/bucket', 'bucket'),
          },
        },
        // The configured reserved concurrency: at most 25 prompts stream at once, and they always can.
        reservedConcurrentExecutions: 25,
      }),
    ).toBe(true)
    expect(
      Testing.toHaveResourceWithProperties(synth, LambdaFunctionEventInvokeConfig.tfResourceType, {
        functionName: reference('aws_lambda_function', 'chat/function', 'function_name'),
        maximumRetryAttempts: 0,
      }),
    ).toBe(true)
    const chat = resource('aws_lambda_function', 'chat/function')
    expect(chat.filename).toMatch(/^assets\/.+\/archive\.zip$/)
    expect(chat.source_code_hash).toBe(`\${filebase64sha256("${chat.filename as string}")}`)
  })

  it("deploys the attach-policy Lambda with the IoT policy's name", () => {
    expect(
      Testing.toHaveResourceWithProperties(synth, LambdaFunction.tfResourceType, {
        functionName: 'sd-test-attach-policy',
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        environment: {
          variables: {
            STREAMDESK_IOT_POLICY_NAME: reference('aws_iot_policy', 'realtime/user-policy', 'name'),
            STREAMDESK_IDENTITY_POOL_ID: reference('aws_cognito_identity_pool', 'auth/identity-pool', 'id'),
          },
        },
      }),
    ).toBe(true)
  })

  it('bundles each Lambda into loadable CommonJS exporting its handler', () => {
    const require = createRequire(import.meta.url)
    for (const name of [
      'chat/chat/code',
      'realtime/attach-policy/code',
      'answers/fetch-stream/code',
      'auth/pre-sign-up/code',
      'uploads/presign/code',
    ]) {
      const bundle = path.join(bundleDir, 'streamdesk', ...name.split('/'), 'index.js')
      expect(typeof (require(bundle) as { handler?: unknown }).handler, name).toBe('function')
    }
  })

  it("keeps each function's logs in its own log group, with retention", () => {
    for (const fn of [
      'sd-test-chat',
      'sd-test-attach-policy',
      'sd-test-fetch-stream',
      'sd-test-pre-sign-up',
      'sd-test-upload-presign',
    ]) {
      expect(
        Testing.toHaveResourceWithProperties(synth, CloudwatchLogGroup.tfResourceType, {
          name: `/aws/lambda/${fn}`,
          retentionInDays: 14,
        }),
      ).toBe(true)
    }
  })

  it('lets the chat Lambda stream only the configured models, publish only under its prefix, read only stop requests and the configured secret', () => {
    expect(policyOf('aws_iam_role_policy', 'chat/permissions').Statement).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`${reference('aws_cloudwatch_log_group', 'chat/logs', 'arn')}:*`],
      },
      {
        Sid: 'StreamConfiguredModels',
        Effect: 'Allow',
        Action: ['bedrock:InvokeModelWithResponseStream'],
        Resource: [
          'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-20250514-v1:0',
          'arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0',
          'arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-text-lite-v1',
        ],
      },
      {
        Sid: 'PublishAnswers',
        Effect: 'Allow',
        Action: ['iot:Publish', 'iot:RetainPublish'],
        Resource: [`${ARN}:topic/sdt/*`],
      },
      {
        Sid: 'ReadStopRequests',
        Effect: 'Allow',
        Action: ['iot:GetRetainedMessage'],
        Resource: [`${ARN}:topic/sdt/*/control/*`],
      },
      { Sid: 'ReadModelApiKeys', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [SECRET] },
      {
        Sid: 'StoreFinishedAnswers',
        Effect: 'Allow',
        Action: ['dynamodb:PutItem'],
        Resource: [reference('aws_dynamodb_table', 'answers/table', 'arn')],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['eu-west-1:*'] } },
      },
      {
        Sid: 'GuardSpend',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: [reference('aws_dynamodb_table', 'spend/table', 'arn')],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['eu-west-1:*'] } },
      },
      {
        Sid: 'ReadUploadedAttachments',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [`${reference('aws_s3_bucket', 'uploads/bucket', 'arn')}/uploads/*`],
      },
    ])
  })

  it('keeps the spend counters in their own on-demand, encrypted table keyed by identity and period, with TTL on', () => {
    expect(resource('aws_dynamodb_table', 'spend/table')).toEqual({
      name: 'sd-test-spend',
      billing_mode: 'PAY_PER_REQUEST',
      hash_key: 'userId',
      range_key: 'period',
      attribute: [
        { name: 'userId', type: 'S' },
        { name: 'period', type: 'S' },
      ],
      ttl: { attribute_name: 'expiresAt', enabled: true },
      server_side_encryption: { enabled: true },
    })
  })

  it('gives the spend table to the chat Lambda alone, with GetItem and UpdateItem only', () => {
    const spendTable = reference('aws_dynamodb_table', 'spend/table', 'arn')
    const onSpendTable = allPolicies().flatMap(({ where, document }) =>
      document.Statement.filter((statement) => statement.Resource?.includes(spendTable)).map((statement) => ({
        where,
        statement,
      })),
    )
    expect(onSpendTable.map(({ where }) => where)).toEqual([named('aws_iam_role_policy', 'chat/permissions')[0]])
    expect(onSpendTable[0]!.statement.Action).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem'])
  })

  it('with allowed domains: lets users sign up, through a pre-sign-up trigger only this user pool may invoke', () => {
    expect(resource('aws_cognito_user_pool', 'auth/user-pool')).toMatchObject({
      admin_create_user_config: { allow_admin_create_user_only: false },
      lambda_config: { pre_sign_up: reference('aws_lambda_function', 'pre-sign-up/function', 'arn') },
    })
    expect(
      Testing.toHaveResourceWithProperties(synth, LambdaFunction.tfResourceType, {
        functionName: 'sd-test-pre-sign-up',
        environment: { variables: { STREAMDESK_ALLOWED_EMAIL_DOMAINS: 'example.com,corp.example.org' } },
      }),
    ).toBe(true)
    expect(
      Testing.toHaveResourceWithProperties(synth, LambdaPermission.tfResourceType, {
        action: 'lambda:InvokeFunction',
        functionName: reference('aws_lambda_function', 'pre-sign-up/function', 'function_name'),
        principal: 'cognito-idp.amazonaws.com',
        sourceArn: reference('aws_cognito_user_pool', 'auth/user-pool', 'arn'),
      }),
    ).toBe(true)
    // The trigger reads its event and nothing else: its role may only write its logs.
    expect(policyOf('aws_iam_role_policy', 'pre-sign-up/permissions').Statement.map((s) => s.Sid)).toEqual([
      'WriteOwnLogs',
    ])
  })

  it('with a cost alarm configured: a monthly AWS Budgets cost budget that emails at 80 % actual and 100 % forecast', () => {
    expect(
      Testing.toHaveResourceWithProperties(synth, BudgetsBudget.tfResourceType, {
        name: 'sd-test-monthly-cost',
        budgetType: 'COST',
        limitAmount: '75.00',
        limitUnit: 'USD',
        timeUnit: 'MONTHLY',
        notification: [
          {
            comparisonOperator: 'GREATER_THAN',
            threshold: 80,
            thresholdType: 'PERCENTAGE',
            notificationType: 'ACTUAL',
            subscriberEmailAddresses: ['ops@example.com'],
          },
          {
            comparisonOperator: 'GREATER_THAN',
            threshold: 100,
            thresholdType: 'PERCENTAGE',
            notificationType: 'FORECASTED',
            subscriberEmailAddresses: ['ops@example.com'],
          },
        ],
      }),
    ).toBe(true)
  })

  it('keeps answers in an on-demand, encrypted DynamoDB table keyed by identity and stream, with TTL on', () => {
    expect(
      Testing.toHaveResourceWithProperties(synth, DynamodbTable.tfResourceType, {
        name: 'sd-test-answers',
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'userId',
        rangeKey: 'streamModel',
        attribute: [
          { name: 'userId', type: 'S' },
          { name: 'streamModel', type: 'S' },
        ],
        ttl: { attributeName: 'expiresAt', enabled: true },
        serverSideEncryption: { enabled: true },
      }),
    ).toBe(true)
    // Two tables: the answers and the spend counters (below), nothing else.
    expect(resources('aws_dynamodb_table').map(([, table]) => table.name)).toEqual(['sd-test-answers', 'sd-test-spend'])
    // No provisioned capacity to pay for while idle.
    expect(resource('aws_dynamodb_table', 'answers/table')).not.toHaveProperty('read_capacity')
  })

  it('deploys the fetch-stream Lambda with the table and the identity pool', () => {
    expect(
      Testing.toHaveResourceWithProperties(synth, LambdaFunction.tfResourceType, {
        functionName: 'sd-test-fetch-stream',
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        role: reference('aws_iam_role', 'fetch-stream/role', 'arn'),
        environment: {
          variables: {
            STREAMDESK_ANSWER_TABLE: reference('aws_dynamodb_table', 'answers/table', 'name'),
            STREAMDESK_IDENTITY_POOL_ID: reference('aws_cognito_identity_pool', 'auth/identity-pool', 'id'),
          },
        },
      }),
    ).toBe(true)
  })

  it('lets the fetch-stream Lambda only GetItem and Query the answer table (identity-shaped keys) and write its logs', () => {
    expect(policyOf('aws_iam_role_policy', 'fetch-stream/permissions').Statement).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`${reference('aws_cloudwatch_log_group', 'fetch-stream/logs', 'arn')}:*`],
      },
      {
        Sid: 'ReadCallersAnswers',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: [reference('aws_dynamodb_table', 'answers/table', 'arn')],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['eu-west-1:*'] } },
      },
    ])
  })

  it('grants DynamoDB only to the chat and fetch-stream Lambdas, and only on the answer and spend tables', () => {
    const dynamoStatements = allPolicies().flatMap(({ where, document }) =>
      document.Statement.filter((statement) => statement.Action.some((action) => action.startsWith('dynamodb:'))).map(
        (statement) => ({ where, statement }),
      ),
    )
    expect(dynamoStatements.map(({ statement }) => statement.Sid).sort()).toEqual([
      'GuardSpend',
      'ReadCallersAnswers',
      'StoreFinishedAnswers',
    ])
    for (const { statement } of dynamoStatements)
      expect(statement.Resource).toEqual([
        reference('aws_dynamodb_table', statement.Sid === 'GuardSpend' ? 'spend/table' : 'answers/table', 'arn'),
      ])
    expect(JSON.stringify(policyOf('aws_iam_role_policy', 'app-user/permissions'))).not.toContain('dynamodb')
  })

  it('lets the attach-policy Lambda attach policies and write its logs, nothing more', () => {
    expect(policyOf('aws_iam_role_policy', 'attach-policy/permissions').Statement).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`${reference('aws_cloudwatch_log_group', 'attach-policy/logs', 'arn')}:*`],
      },
      // "*" because AttachPolicy's only resource types are certificates and thing groups; a Cognito identity has no ARN.
      { Sid: 'AttachUserPolicyToCallers', Effect: 'Allow', Action: ['iot:AttachPolicy'], Resource: ['*'] },
    ])
  })

  it('never grants a wildcard action, nor "*" as a resource except where AWS requires it', () => {
    const statements = allPolicies().flatMap(({ where, document }) =>
      document.Statement.map((statement) => ({ where, statement })),
    )
    expect(statements.length).toBeGreaterThan(10)
    for (const { where, statement } of statements) {
      expect(statement.Effect, where).toBe('Allow')
      for (const action of statement.Action) expect(action, where).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/)
      if (statement.Resource?.includes('*'))
        expect(statement, where).toMatchObject({ Sid: 'AttachUserPolicyToCallers', Action: ['iot:AttachPolicy'] })
      for (const arn of statement.Resource ?? [])
        if (arn !== '*') expect(arn, where).toMatch(/^arn:aws:[a-z0-9-]+:|^\$\{aws_/)
    }
  })

  it('attaches no AWS-managed policy to any role (in particular not AWSIoTDataAccess or AWSIoTConfigAccess)', () => {
    expect(tf.resource).not.toHaveProperty('aws_iam_role_policy_attachment')
    expect(tf.resource).not.toHaveProperty('aws_iam_policy_attachment')
    expect(tf.resource).not.toHaveProperty('aws_iot_policy_attachment')
    for (const [, role] of resources('aws_iam_role')) expect(role).not.toHaveProperty('managed_policy_arns')
    expect(synth).not.toMatch(/arn:aws:iam::aws:policy|AWSIoTDataAccess|AWSIoTConfigAccess/)
  })

  it("outputs the app's CloudConfig as one object, and each value on its own", () => {
    const value = tf.output.streamdesk_cloud_config!.value as Record<string, unknown>
    expect(Object.keys(value).sort()).toEqual(Object.keys(CloudConfigSchema.shape).sort())
    expect(value).toMatchObject({
      version: 1,
      region: 'eu-west-1',
      topicPrefix: 'sdt',
      userPoolId: reference('aws_cognito_user_pool', 'auth/user-pool', 'id'),
      identityPoolId: reference('aws_cognito_identity_pool', 'auth/identity-pool', 'id'),
      chatFunctionName: reference('aws_lambda_function', 'chat/function', 'function_name'),
      fetchStreamFunctionName: reference('aws_lambda_function', 'fetch-stream/function', 'function_name'),
      uploadBucket: reference('aws_s3_bucket', 'uploads/bucket', 'bucket'),
      uploadPresignFunctionName: reference('aws_lambda_function', 'presign/function', 'function_name'),
      // Each model says whether it can reason, and its price where the catalog gives one.
      models: [
        {
          id: 'claude',
          label: 'Claude Sonnet 4',
          reasoning: true,
          price: { inputPerMillion: 3, outputPerMillion: 15 },
        },
        { id: 'titan', label: 'Titan Lite', reasoning: false },
        { id: 'gpt', label: 'GPT-4o mini', reasoning: false },
        { id: 'gpt-big', label: 'GPT-4o', reasoning: false },
      ],
      // The deployed chat Lambda serves every protocol version of this tree, so apps may ask for v2 and v3.
      protocols: [1, 2, 3],
    })
    // What Terraform prints after an apply is exactly what the app accepts.
    const applied = JSON.stringify(value)
      .replace(/\$\{aws_cognito_user_pool\.[^}]+\.id\}/, 'eu-west-1_AbC123xyz')
      .replace(/\$\{aws_cognito_user_pool_client\.[^}]+\.id\}/, '4f1n2k3l4m5n6o7p8q9r0s1t2u')
      .replace(/\$\{aws_cognito_identity_pool\.[^}]+\.id\}/, 'eu-west-1:12345678-aaaa-bbbb-cccc-1234567890ab')
      .replace(
        /\$\{data\.aws_iot_endpoint\.[^}]+\.endpoint_address\}/,
        'a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com',
      )
      .replace(/\$\{aws_lambda_function\.chat[^}]+\.function_name\}/, 'sd-test-chat')
      .replace(/\$\{aws_lambda_function\.realtime[^}]+\.function_name\}/, 'sd-test-attach-policy')
      .replace(/\$\{aws_lambda_function\.answers[^}]+\.function_name\}/, 'sd-test-fetch-stream')
      .replace(/\$\{aws_lambda_function\.uploads[^}]+\.function_name\}/, 'sd-test-upload-presign')
      .replace(/\$\{aws_s3_bucket\.uploads[^}]+\.bucket\}/, 'sd-test-uploads-20261207170000000000000001')
    const parsed = parseCloudConfig(applied)
    expect(parsed).toMatchObject({ ok: true })
    // The app reads the reasoning flag and the price as the stack wrote them.
    expect(parsed.ok && parsed.config.models[0]).toEqual({
      id: 'claude',
      label: 'Claude Sonnet 4',
      reasoning: true,
      price: { inputPerMillion: 3, outputPerMillion: 15 },
    })
    expect(JSON.stringify(tf.resource.aws_lambda_function)).not.toContain('inputPerMillion')
    expect(Object.keys(tf.output).sort()).toEqual(
      [
        'answer_table_name',
        'attach_policy_function_name',
        'chat_function_name',
        'fetch_stream_function_name',
        'identity_pool_id',
        'iot_endpoint',
        'region',
        'sign_up_policy',
        'spend_table_name',
        'streamdesk_cloud_config',
        'topic_prefix',
        'upload_bucket_name',
        'upload_presign_function_name',
        'user_pool_client_id',
        'user_pool_id',
      ].sort(),
    )
  })

  it('keeps the Terraform state outside the generated folder', () => {
    expect(JSON.parse(synth).terraform.backend).toEqual({ local: { path: '../../../terraform.streamdesk.tfstate' } })
  })

  it('matches the snapshot (asset hashes and paths scrubbed)', () => {
    const scrubbed = synth.replace(
      /assets\/([\w-]+)\/[0-9A-F]{32}\/archive\.zip/g,
      'assets/$1/<ASSET-HASH>/archive.zip',
    )
    expect(JSON.parse(scrubbed)).toMatchSnapshot()
  })
})

describe('StreamDesk stack: the attachments bucket (cloud uploads, issue 18)', () => {
  const bucketId = () => reference('aws_s3_bucket', 'uploads/bucket', 'id')
  const bucketArn = () => reference('aws_s3_bucket', 'uploads/bucket', 'arn')

  it('is private: every public-access block on, ACLs disabled', () => {
    expect(resource('aws_s3_bucket', 'uploads/bucket')).toMatchObject({ bucket_prefix: 'sd-test-uploads-' })
    expect(resource('aws_s3_bucket', 'uploads/bucket')).not.toHaveProperty('acl')
    expect(resource('aws_s3_bucket_public_access_block', 'uploads/public-access')).toEqual({
      bucket: bucketId(),
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    })
    expect(resource('aws_s3_bucket_ownership_controls', 'uploads/ownership')).toEqual({
      bucket: bucketId(),
      rule: { object_ownership: 'BucketOwnerEnforced' },
    })
  })

  it('is encrypted at rest and refuses every request without TLS', () => {
    expect(resource('aws_s3_bucket_server_side_encryption_configuration', 'uploads/encryption')).toEqual({
      bucket: bucketId(),
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
    })
    const policy = resource('aws_s3_bucket_policy', 'uploads/policy')
    expect(policy.bucket).toBe(bucketId())
    expect((JSON.parse(deployed(policy.policy as string)) as PolicyDocument).Statement).toEqual([
      {
        Sid: 'DenyWithoutTls',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: ['s3:*'],
        Resource: [bucketArn(), `${bucketArn()}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ])
  })

  it('deletes every upload a day after it was written, and unfinished multipart uploads after a day', () => {
    expect(resource('aws_s3_bucket_lifecycle_configuration', 'uploads/lifecycle')).toEqual({
      bucket: bucketId(),
      rule: [
        {
          id: 'delete-uploads-after-a-day',
          status: 'Enabled',
          filter: [{ prefix: 'uploads/' }],
          expiration: [{ days: 1 }],
          abort_incomplete_multipart_upload: [{ days_after_initiation: 1 }],
        },
      ],
    })
  })

  it('lets only the upload-presign Lambda put, only under uploads/; only the chat Lambda read; users nothing', () => {
    const s3Statements = allPolicies().flatMap(({ where, document }) =>
      document.Statement.filter((statement) => statement.Action.some((action) => action.startsWith('s3:'))).map(
        (statement) => ({ where, statement }),
      ),
    )
    expect(s3Statements.map(({ where }) => where.replace(/_[0-9A-F]{8}$/, '')).sort()).toEqual([
      'chat_permissions',
      'uploads_presign_permissions',
    ])
    // The identity (authenticated) role has no S3 action at all: IAM cannot bound a PutObject's size.
    const userActions = policyOf('aws_iam_role_policy', 'app-user/permissions').Statement.flatMap((s) => s.Action)
    expect(userActions.filter((action) => action.startsWith('s3:'))).toEqual([])
    expect(JSON.stringify(policyOf('aws_iam_role_policy', 'app-user/permissions'))).not.toContain('aws_s3_bucket')
    // The presign role signs the POSTs: PutObject only, only on uploads/* (its code fixes the caller's prefix).
    expect(policyOf('aws_iam_role_policy', 'uploads/presign/permissions').Statement).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`${reference('aws_cloudwatch_log_group', 'uploads/presign/logs', 'arn')}:*`],
      },
      {
        Sid: 'PutUploadsBySignedPost',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: [`${bucketArn()}/uploads/*`],
      },
    ])
    const read = s3Statements.find(({ where }) => where.startsWith('chat'))!.statement
    expect(read.Action).toEqual(['s3:GetObject'])
    expect(read.Resource).toEqual([`${bucketArn()}/uploads/*`])
  })

  it('deploys the upload-presign Lambda with the bucket and the identity pool; users may invoke it', () => {
    expect(resource('aws_lambda_function', 'uploads/presign/function')).toMatchObject({
      function_name: 'sd-test-upload-presign',
      runtime: 'nodejs22.x',
      timeout: 10,
      environment: {
        variables: {
          STREAMDESK_UPLOAD_BUCKET: reference('aws_s3_bucket', 'uploads/bucket', 'bucket'),
          STREAMDESK_IDENTITY_POOL_ID: reference('aws_cognito_identity_pool', 'auth/identity-pool', 'id'),
        },
      },
    })
    // Who may invoke what: users the four app functions; no role any other function (the pre-sign-up trigger is
    // Cognito's alone, through its resource policy).
    const invokes = allPolicies().flatMap(({ where, document }) =>
      document.Statement.filter((s) => s.Action.includes('lambda:InvokeFunction')).map((s) => ({ where, s })),
    )
    expect(invokes.map(({ where }) => where.replace(/_[0-9A-F]{8}$/, ''))).toEqual(['app-user_permissions'])
    expect(invokes[0]!.s.Resource).not.toContain(reference('aws_lambda_function', 'pre-sign-up/function', 'arn'))
  })
})
