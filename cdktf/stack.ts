/**
 * The StreamDesk cloud backend as one Terraform stack. Each domain is a construct in its own folder, wired through
 * public properties: auth (Cognito) → realtime (IoT policy, endpoint, attach-policy Lambda) → answers (answer
 * store table, fetch-stream Lambda) → spend (the spend guard's table, the cost alarm) → uploads (the attachments bucket and its upload-presign Lambda) → chat (chat Lambda) → app-user (the signed-in
 * users' role, which may invoke the four Lambdas the app calls). The outputs are what the app needs, in
 * one `streamdesk_cloud_config` object (the app's CloudConfig) and one by one.
 */
import path from 'node:path'
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf'
import type { Construct } from 'constructs'
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js'
import { CLOUD_CONFIG_OUTPUT_NAME, CLOUD_CONFIG_VERSION, type CloudConfig } from '../src-main/protocol/cloud-config'
import { PROTOCOL_VERSIONS } from '../src-main/protocol/stream-protocol'
import { Answers } from './answers'
import { AppUser } from './app-user'
import { Auth } from './auth'
import { Chat } from './chat'
import type { StackConfig } from './config/stack-config'
import { AwsArns } from './lib/aws-arns'
import { Realtime } from './realtime'
import { Spend } from './spend'
import { Uploads } from './uploads'
import { userIotStatements } from './realtime/user-access'

export const STACK_ID = 'streamdesk'

export interface StreamDeskStackOptions {
  config: StackConfig
  /** Where the Lambda bundles are built; by default `<app outdir>/lambda-bundles`. */
  bundleDir?: string
}

export class StreamDeskStack extends TerraformStack {
  readonly auth: Auth
  readonly realtime: Realtime
  readonly answers: Answers
  readonly spend: Spend
  readonly uploads: Uploads
  readonly chat: Chat
  readonly appUser: AppUser

  constructor(scope: Construct, id: string, { config, bundleDir }: StreamDeskStackOptions) {
    super(scope, id)
    // Relative to the stack's folder (cdktf.out/stacks/<id>): the state lives in cdktf/, outside the generated
    // output, so re-synthesizing or deleting cdktf.out never loses it.
    new LocalBackend(this, { path: `../../../terraform.${id}.tfstate` })
    new AwsProvider(this, 'aws', {
      region: config.region,
      defaultTags: [{ tags: { app: 'streamdesk', deployment: config.namePrefix } }],
    })
    const bundles = bundleDir ?? path.join(App.of(this).outdir, 'lambda-bundles')
    const arns = new AwsArns(this, 'arns', { region: config.region })
    const { namePrefix, topicPrefix, logRetentionDays } = config

    this.auth = new Auth(this, 'auth', {
      namePrefix,
      mfa: config.mfa,
      signUp: config.signUp,
      bundleDir: bundles,
      logRetentionDays,
    })
    const identityPoolId = this.auth.identityPool.id
    this.realtime = new Realtime(this, 'realtime', {
      namePrefix,
      topicPrefix,
      arns,
      identityPoolId,
      bundleDir: bundles,
      logRetentionDays,
    })
    this.answers = new Answers(this, 'answers', {
      namePrefix,
      region: config.region,
      identityPoolId,
      bundleDir: bundles,
      logRetentionDays,
    })
    this.spend = new Spend(this, 'spend', {
      namePrefix,
      region: config.region,
      ...(config.costAlarm ? { costAlarm: config.costAlarm } : {}),
    })
    this.uploads = new Uploads(this, 'uploads', { namePrefix, identityPoolId, bundleDir: bundles, logRetentionDays })
    this.chat = new Chat(this, 'chat', {
      namePrefix,
      topicPrefix,
      models: config.models,
      arns,
      iotEndpoint: this.realtime.endpointAddress,
      identityPoolId,
      bundleDir: bundles,
      logRetentionDays,
      timeoutSeconds: config.chatTimeoutSeconds,
      answerStore: { tableName: this.answers.table.name, writeStatement: this.answers.writeStatement() },
      spend: { tableName: this.spend.table.name, statement: this.spend.chatStatement(), budgets: config.budgets },
      uploads: { bucketName: this.uploads.bucket.bucket, readStatement: this.uploads.chatReadStatement() },
      ...(config.chatReservedConcurrency !== false ? { reservedConcurrency: config.chatReservedConcurrency } : {}),
    })
    this.appUser = new AppUser(this, 'app-user', {
      namePrefix,
      identityPool: this.auth.identityPool,
      iotStatements: userIotStatements(arns, topicPrefix),
      invokableFunctions: [
        this.chat.chatFunction.function,
        this.realtime.attachPolicyFunction.function,
        this.answers.fetchFunction.function,
        this.uploads.presignFunction.function,
      ],
    })

    const cloudConfig: CloudConfig = {
      version: CLOUD_CONFIG_VERSION,
      region: config.region,
      userPoolId: this.auth.userPool.id,
      userPoolClientId: this.auth.userPoolClient.id,
      identityPoolId,
      iotEndpoint: this.realtime.endpointAddress,
      topicPrefix,
      chatFunctionName: this.chat.chatFunction.function.functionName,
      attachPolicyFunctionName: this.realtime.attachPolicyFunction.function.functionName,
      fetchStreamFunctionName: this.answers.fetchFunction.function.functionName,
      uploadBucket: this.uploads.bucket.bucket,
      uploadPresignFunctionName: this.uploads.presignFunction.function.functionName,
      // The chat Lambda is built from this tree, so it serves every version this tree speaks.
      protocols: [...PROTOCOL_VERSIONS],
      // What the app knows of each model: whether it can reason (the settings form offers an effort only then) and
      // its list price (the default for an answer's estimated cost). Older apps drop both (the envelope tolerates them).
      models: config.models.map(({ id, label, reasoning, price }) => ({
        id,
        label,
        reasoning: reasoning === true,
        ...(price ? { price } : {}),
      })),
    }
    new TerraformOutput(this, CLOUD_CONFIG_OUTPUT_NAME, {
      value: cloudConfig,
      description: 'Paste into StreamDesk (Settings → Cloud), or load the file `npm run cdktf:deploy` writes',
    })
    const singles: Record<string, string> = {
      region: cloudConfig.region,
      user_pool_id: cloudConfig.userPoolId,
      user_pool_client_id: cloudConfig.userPoolClientId,
      identity_pool_id: cloudConfig.identityPoolId,
      iot_endpoint: cloudConfig.iotEndpoint,
      topic_prefix: cloudConfig.topicPrefix,
      chat_function_name: cloudConfig.chatFunctionName,
      attach_policy_function_name: cloudConfig.attachPolicyFunctionName,
      fetch_stream_function_name: this.answers.fetchFunction.function.functionName,
      answer_table_name: this.answers.table.name,
      spend_table_name: this.spend.table.name,
      upload_bucket_name: this.uploads.bucket.bucket,
      upload_presign_function_name: this.uploads.presignFunction.function.functionName,
      sign_up_policy: config.signUp.policy,
    }
    for (const [name, value] of Object.entries(singles)) new TerraformOutput(this, name, { value })
  }
}
