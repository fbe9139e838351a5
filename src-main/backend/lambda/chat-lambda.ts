/**
 * The chat Lambda: the same chat handler local mode runs in-process, publishing through IoT Core's data plane.
 *
 * The app invokes it asynchronously (`InvocationType: 'Event'`) with its Cognito identity-pool credentials and the
 * event `{ streamId, protocols?, models: [{ modelId, messages }] }` (`protocols`: the wire versions the app reads,
 * passed on to the chat handler, which answers in the highest one it shares; unknown keys are tolerated). The user whose topic receives the answer is ALWAYS the
 * caller's identity as Lambda reports it (`context.identity.cognitoIdentityId`); a `userId` in the event is
 * ignored, so nobody can stream into another user's topic. Attachments arrive as S3 keys and are read only under
 * that same caller's `uploads/<identity>/` prefix (s3-attachment-source.ts). Nothing here throws for bad input: an asynchronous
 * invocation that fails is retried by Lambda, which would stream the answer again (the stack also sets retries to 0).
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import type { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { z } from 'zod'
import {
  ChatRequestSchema,
  refuseChat,
  streamChat,
  type ChatHandlerDeps,
  type ChatRequest,
  type ModelStreamSummary,
} from '../chat-handler'
import { DynamoAnswerStore, type AnswerArchive } from '../answer-store'
import { catalogOutputBound, createCloudModelResolver, parseModelCatalog } from '../cloud-models'
import { createIotDataPlaneClient, IotDataPublisher } from '../iot-data-publisher'
import {
  CONNECTION_PUBLISH_LIMITS,
  invocationShare,
  PublishPacer,
  scaledLimits,
  type PublishLimits,
} from '../publish-budget'
import { sharedPacer, type PublishShare } from '../publish-share'
import type { ModelResolver } from '../model-provider'
import {
  chargedTokens,
  estimateInputTokens,
  SpendGuard,
  type SpendLimits,
  type SpendPass,
  type SpendUsage,
} from '../spend-guard'
import type { GenerationParameters } from '../../shared/generation'
import type { QuotaExceeded } from '../../shared/answer'
import { stopControlTopic } from '../../protocol/cloud-config'
import { UNSTATED_PROTOCOLS } from '../../protocol/stream-protocol'
import { systemClock, type Clock } from '../../lib/clock'
import { callerIdentity, type InvocationContext } from './caller-identity'
import { invocationDeadline, resolverWithDeadline } from './lambda-deadline'
import { LAMBDA_ENV, requireEnv } from './lambda-env'
import { consoleLog, describeError, type LambdaLog } from './lambda-log'
import { StopWatcher } from './stop-watcher'
import { foreignKeyRefusal, S3AttachmentSource } from '../s3-attachment-source'

export interface ChatLambdaDeps {
  iotData: IoTDataPlaneClient
  models: ModelResolver
  topicPrefix: string
  /** When set, only identities of this pool (the stack's own) are served. */
  identityPoolId?: string
  /** The answer store: every finished answer is kept there for its owner before its final marker goes out. */
  answers?: AnswerArchive
  stopPollIntervalMs?: number
  /** Streams still running this long before the Lambda's timeout end with a timeout error, so finals go out. */
  deadlineMarginMs?: number
  log?: LambdaLog
  clock?: Clock
  /** The user connection's publish budget, of which each invocation takes its share (CONNECTION_PUBLISH_LIMITS). */
  publishLimits?: PublishLimits
  /**
   * The spend guard: every prompt is admitted (a stream slot and a token reservation) before any model is called,
   * and settled with the tokens used once it has streamed. `outputTokenBound` is a model's most output tokens.
   */
  spend?: {
    guard: Pick<SpendGuard, 'admit' | 'usage'>
    outputTokenBound: (modelId: string, parameters?: GenerationParameters) => number
  }
  /** The attachments bucket: each prompt's attachments are read from the caller's own prefix (s3-attachment-source). */
  uploads?: { s3: S3Client; bucket: string }
  /** Passed through to the chat handler (tests shorten the coalescing window and the retry back-off). */
  chat?: Pick<ChatHandlerDeps, 'coalescing' | 'publishing' | 'idleTimeoutMs'>
}

export type ChatLambdaResult =
  | { ok: true; streamId: string; models: ModelStreamSummary[] }
  | UsageResult
  | { ok: false; error: 'no-identity' | 'invalid-event'; detail: string }

/**
 * The answer to `{ "action": "usage" }` (invoked synchronously, for Settings → Cloud): the caller's own usage and
 * limits; `spend-guard-off` from a Lambda deployed without a spend table.
 */
export type UsageResult =
  { ok: true; usage: SpendUsage } | { ok: false; error: 'spend-guard-off' | 'store-unavailable'; detail: string }

/** What every column of a refused prompt ends with. */
type SpendRefusalError = { code: 'quota-exceeded' | 'internal'; message: string; quota?: QuotaExceeded }

/** Refused before any model was called: what the user reads in each column (the English words; the app may word it). */
const SPEND_STORE_DOWN = 'The budget store could not be reached, so nothing was sent to the models; try again.'

export type ChatLambdaHandler = (event: unknown, context: InvocationContext) => Promise<ChatLambdaResult>

const DEFAULT_DEADLINE_MARGIN_MS = 10_000

export function createChatLambdaHandler(deps: ChatLambdaDeps): ChatLambdaHandler {
  const log = deps.log ?? consoleLog
  const publisher = new IotDataPublisher(deps.iotData, deps.topicPrefix)

  return async (event, context) => {
    const requestId = context.awsRequestId
    const caller = callerIdentity(context, deps.identityPoolId)
    if (!caller.ok) {
      log('chat-refused', { requestId, reason: caller.reason })
      return { ok: false, error: 'no-identity', detail: caller.reason }
    }
    const { identityId } = caller
    if (isUsageRequest(event)) return usageOf(identityId, requestId)
    const parsed = toChatRequest(event, identityId)
    if (!parsed.success) {
      const detail = z.prettifyError(parsed.error).slice(0, 1000)
      log('chat-invalid-event', { requestId, identityId, detail })
      return { ok: false, error: 'invalid-event', detail }
    }
    const request = parsed.data
    const forged = forgedUserId(event, identityId)
    if (forged !== undefined) log('forged-user-id-ignored', { requestId, identityId, forgedUserId: forged })
    // Overlapping prompts are separate invocations: each takes its models' share of the user's budget, kept up to
    // date from the spend guard's leases when there is one (PublishShare), else fixed from the app's announcement.
    const connection = deps.publishLimits ?? CONNECTION_PUBLISH_LIMITS
    const share = invocationShare(request.models.length, request.concurrentModels)
    const limits = scaledLimits(connection, share)
    let publishBudget = new PublishPacer(publisher, limits, deps.clock)
    let sharedBudget: PublishShare | undefined
    log('chat-started', {
      requestId,
      identityId,
      streamId: request.streamId,
      protocols: request.protocols ?? UNSTATED_PROTOCOLS,
      models: describeModels(request),
      publishesPerSecond: limits.publishesPerSecond,
    })

    const controlTopic = stopControlTopic(deps.topicPrefix, identityId, request.streamId)
    const stops = new StopWatcher({
      client: deps.iotData,
      controlTopic,
      modelIds: request.models.map((m) => m.modelId),
      log: (name, fields) => log(name, { requestId, ...fields }),
      ...(deps.stopPollIntervalMs !== undefined ? { intervalMs: deps.stopPollIntervalMs } : {}),
      ...(deps.clock ? { clock: deps.clock } : {}),
    })
    const marginMs = deps.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS
    const deadline = invocationDeadline(context.getRemainingTimeInMillis?.(), marginMs, deps.clock)
    let pass: SpendPass | undefined
    let summaries: ModelStreamSummary[] | undefined
    try {
      // Before any budget or model: a request naming another identity's upload is refused whole, nothing read.
      const foreign = foreignKeyRefusal(attachmentsOf(request), identityId)
      if (foreign !== undefined) {
        log('chat-refused-foreign-upload', { requestId, identityId, streamId: request.streamId })
        summaries = await refuseChat(request, { code: 'unauthorized', message: foreign }, refusalDeps())
        return { ok: true, streamId: request.streamId, models: summaries }
      }
      if (deps.spend) {
        const admission = await admit(request, identityId, context, requestId)
        if (!admission.ok) {
          summaries = await refuseChat(request, admission.error, refusalDeps())
          return { ok: true, streamId: request.streamId, models: summaries }
        }
        pass = admission.pass
        const shared = sharedPacer(publisher, connection, pass, deps.clock)
        publishBudget = shared.pacer
        sharedBudget = shared.share
      }
      summaries = await streamChat(request, {
        ...deps.chat,
        // Publishes still failing are retried only within the margin kept before the Lambda's own timeout.
        publishing: { retryForMs: Math.max(1_000, marginMs - 2_000), ...deps.chat?.publishing },
        publisher,
        publishBudget,
        models: resolverWithDeadline(deps.models, deadline.signal),
        topicPrefix: deps.topicPrefix,
        stopSignal: (modelId) => stops.signalFor(modelId),
        ...(deps.uploads ? { attachments: attachmentSource(deps.uploads, identityId, requestId) } : {}),
        ...(deps.answers
          ? {
              archive: deps.answers,
              onArchiveError: (modelId: string, error: unknown) =>
                log('answer-store-failed', {
                  requestId,
                  identityId,
                  streamId: request.streamId,
                  modelId,
                  ...describeError(error),
                }),
            }
          : {}),
        ...(deps.clock ? { clock: deps.clock } : {}),
      })
      const answerStoreFailures = summaries.filter((summary) => summary.archived === false).length
      log('chat-finished', {
        requestId,
        identityId,
        streamId: request.streamId,
        // Sizes and outcomes only: reasoning signatures are the model's (opaque, large) and stay out of the log.
        models: summaries.map(({ reasoningSignatures, ...summary }) => ({
          ...summary,
          reasoningSignatures: reasoningSignatures?.length ?? 0,
        })),
        answerStoreFailures,
      })
      return { ok: true, streamId: request.streamId, models: summaries }
    } finally {
      sharedBudget?.close()
      if (pass) await settle(pass, request, summaries, { requestId, identityId })
      deadline.dispose()
      await stops.close()
      // Always cleared, even if no stop was seen: one may have arrived after the last read.
      await publisher.clearRetained(controlTopic).catch((error: unknown) => {
        log('control-clear-failed', { requestId, ...describeError(error) })
      })
    }
  }

  /** What refusing a whole prompt needs: its finals go out like any chunk. */
  function refusalDeps(): ChatHandlerDeps {
    const { publishing } = deps.chat ?? {}
    return {
      publisher,
      models: deps.models,
      topicPrefix: deps.topicPrefix,
      ...(publishing ? { publishing } : {}),
      ...(deps.clock ? { clock: deps.clock } : {}),
    }
  }

  /** This invocation's reader of the caller's own uploads (one per invocation: it reads each object once). */
  function attachmentSource(uploads: { s3: S3Client; bucket: string }, identityId: string, requestId: string) {
    return new S3AttachmentSource({
      ...uploads,
      identityId,
      onReadError: (key, error) =>
        log('attachment-read-failed', { requestId, identityId, key, ...describeError(error) }),
    })
  }

  async function usageOf(identityId: string, requestId: string): Promise<UsageResult> {
    if (!deps.spend)
      return { ok: false, error: 'spend-guard-off', detail: 'This backend was deployed without budgets.' }
    try {
      return { ok: true, usage: await deps.spend.guard.usage(identityId) }
    } catch (error) {
      log('usage-failed', { requestId, identityId, ...describeError(error) })
      return { ok: false, error: 'store-unavailable', detail: 'The budget store could not be read; try again.' }
    }
  }

  /** A slot and a reservation for this prompt, or the error every column shows. Fails closed. */
  async function admit(
    request: ChatRequest,
    identityId: string,
    context: InvocationContext,
    requestId: string,
  ): Promise<{ ok: true; pass: SpendPass } | { ok: false; error: SpendRefusalError }> {
    const spend = deps.spend!
    const tokens = request.models.reduce(
      (sum, m) => sum + estimateInputTokens(m.messages) + spend.outputTokenBound(m.modelId, m.parameters),
      0,
    )
    const now = (deps.clock ?? systemClock).now()
    const leaseUntil = now + (context.getRemainingTimeInMillis?.() ?? 900_000)
    const models = request.models.length
    try {
      const admission = await spend.guard.admit(identityId, { streamId: request.streamId, tokens, leaseUntil, models })
      if (admission.ok) {
        log('spend-reserved', { requestId, identityId, streamId: request.streamId, tokens })
        return admission
      }
      const { kind, limit, message } = admission.refusal
      log('spend-refused', { requestId, identityId, streamId: request.streamId, kind, limit, tokens })
      const { resetsAt, requested } = 'resetsAt' in admission.refusal ? admission.refusal : {}
      // v3 clients word it themselves from `quota`; older ones read the English message as 'rate-limited'.
      const quota = {
        kind,
        limit,
        ...(resetsAt !== undefined ? { resetsAt } : {}),
        ...(requested !== undefined ? { requested } : {}),
      }
      return { ok: false, error: { code: 'quota-exceeded', message, quota } }
    } catch (error) {
      log('spend-store-failed', { requestId, identityId, ...describeError(error) })
      return { ok: false, error: { code: 'internal', message: SPEND_STORE_DOWN } }
    }
  }

  /** Replaces the reservation with what the models used; a prompt that never streamed keeps its reservation. */
  async function settle(
    pass: SpendPass,
    request: ChatRequest,
    summaries: ModelStreamSummary[] | undefined,
    ids: { requestId: string; identityId: string },
  ): Promise<void> {
    const used = summaries
      ? summaries.reduce((sum, summary) => {
          const messages = request.models.find((m) => m.modelId === summary.modelId)?.messages ?? []
          return sum + chargedTokens(summary, estimateInputTokens(messages))
        }, 0)
      : pass.reservedTokens
    try {
      await pass.settle(used)
      log('spend-settled', { ...ids, streamId: request.streamId, reserved: pass.reservedTokens, used })
    } catch (error) {
      log('spend-settle-failed', { ...ids, streamId: request.streamId, used, ...describeError(error) })
    }
  }
}

function attachmentsOf(request: ChatRequest) {
  return request.models.flatMap((m) => m.messages.flatMap((message) => message.attachments ?? []))
}

function isUsageRequest(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { action?: unknown }).action === 'usage'
}

/** The event with the caller's identity as its user id, whatever the event says. */
function toChatRequest(event: unknown, identityId: string) {
  const fields = typeof event === 'object' && event !== null && !Array.isArray(event) ? event : {}
  return ChatRequestSchema.safeParse({ ...fields, userId: identityId })
}

function forgedUserId(event: unknown, identityId: string): string | undefined {
  if (typeof event !== 'object' || event === null || !('userId' in event)) return undefined
  return event.userId === identityId ? undefined : String(event.userId).slice(0, 128)
}

/** Sizes only: the log never holds a prompt. */
function describeModels(request: ChatRequest): Array<{ modelId: string; messages: number; characters: number }> {
  return request.models.map(({ modelId, messages }) => ({
    modelId,
    messages: messages.length,
    characters: messages.reduce((sum, m) => sum + m.content.length, 0),
  }))
}

/** The deployed configuration, from the environment the stack sets. Throws when it is incomplete. */
export function chatLambdaDepsFromEnv(env: NodeJS.ProcessEnv): ChatLambdaDeps {
  const identityPoolId = env[LAMBDA_ENV.identityPoolId]?.trim()
  const answerTable = env[LAMBDA_ENV.answerTable]?.trim()
  const spendTable = env[LAMBDA_ENV.spendTable]?.trim()
  const uploadBucket = env[LAMBDA_ENV.uploadBucket]?.trim()
  const catalog = parseModelCatalog(env[LAMBDA_ENV.models])
  const dynamo = new DynamoDBClient({})
  return {
    ...(spendTable
      ? {
          spend: {
            guard: new SpendGuard({ client: dynamo, tableName: spendTable, limits: spendLimitsFromEnv(env) }),
            outputTokenBound: catalogOutputBound(catalog),
          },
        }
      : {}),
    iotData: createIotDataPlaneClient(requireEnv(env, LAMBDA_ENV.iotEndpoint)),
    ...(answerTable ? { answers: new DynamoAnswerStore({ client: dynamo, tableName: answerTable }) } : {}),
    models: createCloudModelResolver({
      catalog,
      bedrock: new BedrockRuntimeClient({}),
      secrets: new SecretsManagerClient({}),
    }),
    topicPrefix: requireEnv(env, LAMBDA_ENV.topicPrefix),
    ...(identityPoolId ? { identityPoolId } : {}),
    ...(uploadBucket ? { uploads: { s3: new S3Client({}), bucket: uploadBucket } } : {}),
  }
}

/** The limits the stack sets; throws (the Lambda then refuses to start) when one is missing or not a positive integer. */
export function spendLimitsFromEnv(env: NodeJS.ProcessEnv): SpendLimits {
  const positive = (name: string) => {
    const value = Number(requireEnv(env, name))
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer.`)
    return value
  }
  return {
    dailyTokens: positive(LAMBDA_ENV.dailyTokens),
    monthlyTokens: positive(LAMBDA_ENV.monthlyTokens),
    concurrentStreams: positive(LAMBDA_ENV.concurrentStreams),
  }
}

let deployedHandler: ChatLambdaHandler | undefined

/** The Lambda entry point (`index.handler` in the bundle); clients and caches live as long as the instance. */
export const handler: ChatLambdaHandler = async (event, context) => {
  deployedHandler ??= createChatLambdaHandler(chatLambdaDepsFromEnv(process.env))
  return deployedHandler(event, context)
}
