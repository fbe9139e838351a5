/**
 * AWS stood in for at the SDK edge, for cloud mode on a real broker: Cognito (user pool and identity pool) answer
 * through aws-sdk-client-mock, and the mocked Lambda Invoke runs the real chat handler (`streamChat`) with
 * scripted models, publishing through a plain MQTT session to the local Mosquitto, which plays IoT Core's data
 * plane. Like the deployed chat Lambda, it takes the user from the "context" (here: the identity the mocked pool
 * issued), never from the event, and stops models named in the stream's retained control message. Like the deployed
 * stack, it keeps every finished answer in the answer store (DynamoDB mocked at its edge, see fake-answer-store.ts),
 * and the mocked fetch-stream invocation runs the real fetch-stream handler with the caller's identity as context.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { mockClient } from 'aws-sdk-client-mock'
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider'
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity'
import { InvokeCommand, LambdaClient, type InvokeCommandInput } from '@aws-sdk/client-lambda'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde'
import { ChatRequestSchema, streamChat } from '../../../src-main/backend/chat-handler'
import { DynamoAnswerStore } from '../../../src-main/backend/answer-store'
import { createFetchLambdaHandler } from '../../../src-main/backend/lambda/fetch-stream-lambda'
import type { ModelResolver } from '../../../src-main/backend/model-provider'
import type { Publisher } from '../../../src-main/backend/publisher'
import { decodeStopRequest, stopControlTopic, type CloudConfig } from '../../../src-main/protocol/cloud-config'
import { MqttSession } from '../../../src-main/core/mqtt/mqtt-session'
import { plainBrokerConnectionConfig } from '../../../src-main/core/mqtt/connection-config'
import { FileTokenStore } from '../../../src-main/core/cloud/token-store'
import { plainTextCodec } from '../../../src-main/core/settings/settings-store'
import type { Clock } from '../../../src-main/lib/clock'
import type { Mosquitto } from '../../support/mosquitto'
import { CLOUD_CONFIG, fakeIdToken, USER } from '../../unit/cloud/cloud-fixtures'
import { fakeAnswerTable, type FakeAnswerTable } from './fake-answer-store'
import { makeTempDir } from '../../support/temp-dir'

export const cognitoIdp = mockClient(CognitoIdentityProviderClient)
export const cognitoIdentity = mockClient(CognitoIdentityClient)
export const lambda = mockClient(LambdaClient)

const HOUR = 3_600_000

export interface FakeCloud {
  config: CloudConfig
  identityId: string
  store: FileTokenStore
  /** Every chat event the app sent, as the Lambda received it. */
  chatEvents: unknown[]
  /** Every stop request the Lambda read from a control topic. */
  stopRequests: string[]
  /** The Lambda's own MQTT session (IoT Core's data plane here). */
  dataPlane: MqttSession
  /** The answer store's table, as the chat Lambda left it. */
  answerTable: FakeAnswerTable
  /** Every stream's fetch the fetch-stream Lambda received. */
  fetchEvents: unknown[]
  /** Every list of recent streams (catch-up) it was asked for. */
  listEvents: unknown[]
  /** Resolves once every stream the chat Lambda started has ended (its answers stored and finals published). */
  idle(): Promise<void>
  close(): Promise<void>
}

/** Sets up the mocks for one signed-in user with a fresh identity id, and the fake chat and attach-policy Lambdas. */
export async function startFakeCloud(options: {
  broker: Mosquitto
  models: ModelResolver
  clock: Clock
  /** Wraps the data-plane publisher, e.g. to drop one model's chunks on the way to the broker. */
  decoratePublisher?: (publisher: Publisher) => Publisher
  /** The protocol versions the stack's config lists; absent, as for a stack from before negotiation. */
  protocols?: number[]
  /** The user's identity id (a broker with ACLs needs it before the cloud starts); a fresh one by default. */
  identityId?: string
  /** How the data plane's stand-in logs in to the broker (IoT Core's data plane is not an MQTT client). */
  dataPlane?: { clientId: string; username: string; password: string }
}): Promise<FakeCloud> {
  const { broker, models, clock } = options
  const identityId = options.identityId ?? `us-east-1:${randomUUID()}`
  const config: CloudConfig = {
    ...CLOUD_CONFIG,
    iotEndpoint: 'localhost',
    fetchStreamFunctionName: 'streamdesk-fetch-stream',
    ...(options.protocols ? { protocols: options.protocols } : {}),
  }
  const dir = await makeTempDir('cloud')
  const store = new FileTokenStore(join(dir, 'cloud-session.json'), plainTextCodec)
  let issued = 0

  for (const mock of [cognitoIdp, cognitoIdentity, lambda]) mock.reset()
  const answerTable = fakeAnswerTable('streamdesk-answers')
  const answerStore = new DynamoAnswerStore({
    client: new DynamoDBClient({ region: config.region }),
    tableName: 'streamdesk-answers',
    clock,
  })
  const tokens = () => ({
    AuthenticationResult: {
      IdToken: fakeIdToken(clock.now() + HOUR),
      AccessToken: 'access',
      RefreshToken: 'refresh',
      ExpiresIn: 3600,
    },
  })
  cognitoIdp.on(InitiateAuthCommand).callsFake(tokens)
  cognitoIdentity.on(GetIdCommand).resolves({ IdentityId: identityId })
  cognitoIdentity.on(GetCredentialsForIdentityCommand).callsFake(() => ({
    IdentityId: identityId,
    Credentials: {
      AccessKeyId: `ASIAFAKE${(issued += 1)}`,
      SecretKey: 'fake-secret',
      SessionToken: 'fake-session-token',
      Expiration: new Date(clock.now() + HOUR),
    },
  }))

  const dataPlane = new MqttSession({
    buildConfig: () =>
      plainBrokerConnectionConfig({
        host: broker.host,
        port: broker.port,
        clientId: `fake-lambda-${randomUUID()}`,
        ...options.dataPlane,
      }),
  })
  await dataPlane.connect()
  const chatEvents: unknown[] = []
  const stopRequests: string[] = []
  const fetchEvents: unknown[] = []
  const listEvents: unknown[] = []
  const running = new Set<Promise<unknown>>()
  const direct: Publisher = { publish: (topic, payload) => dataPlane.publish(topic, payload) }
  const publisher = options.decoratePublisher?.(direct) ?? direct
  const fetchHandler = createFetchLambdaHandler({
    store: answerStore,
    identityPoolId: config.identityPoolId,
    log: () => {},
  })
  lambda
    .on(InvokeCommand, { FunctionName: config.fetchStreamFunctionName })
    .callsFake(async (input: InvokeCommandInput) => {
      const event: unknown = JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))
      const isList = typeof event === 'object' && event !== null && 'recent' in event
      ;(isList ? listEvents : fetchEvents).push(event)
      // Lambda fills in the caller's identity from the credentials that signed the request: the mocked pool's.
      const result = await fetchHandler(event, {
        awsRequestId: randomUUID(),
        identity: { cognitoIdentityId: identityId, cognitoIdentityPoolId: config.identityPoolId },
      })
      return { StatusCode: 200, Payload: Uint8ArrayBlobAdapter.fromString(JSON.stringify(result)) }
    })

  lambda.on(InvokeCommand, { FunctionName: config.attachPolicyFunctionName }).resolves({
    StatusCode: 200,
    Payload: Uint8ArrayBlobAdapter.fromString(JSON.stringify({ attached: true, identityId })),
  })
  lambda.on(InvokeCommand, { FunctionName: config.chatFunctionName }).callsFake(async (input: InvokeCommandInput) => {
    const raw: unknown = JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))
    chatEvents.push(raw)
    // As the deployed Lambda does: the user is the caller's identity, whatever the event says.
    const event = ChatRequestSchema.parse({ ...(raw as object), userId: identityId })
    const stops = new Map(event.models.map(({ modelId }) => [modelId, new AbortController()]))
    const controlTopic = stopControlTopic(config.topicPrefix, identityId, event.streamId)
    await dataPlane.subscribe(controlTopic, (_topic, payload) => {
      const request = decodeStopRequest(payload)
      if (!request) return
      stopRequests.push(new TextDecoder().decode(payload))
      for (const [modelId, controller] of stops)
        if (request.stop === 'all' || request.stop.includes(modelId)) controller.abort()
    })
    const done = streamChat(
      {
        ...event,
        // As a stack that serves only its config's versions would: it picks among those (an older Lambda knows no more).
        ...(event.protocols ? { protocols: servable(event.protocols, options.protocols) } : {}),
      },
      {
        publisher,
        models,
        topicPrefix: config.topicPrefix,
        stopSignal: (modelId) => stops.get(modelId)?.signal,
        coalescing: { windowMs: 5 },
        archive: answerStore,
      },
    )
    running.add(done)
    void done.finally(() => running.delete(done))
    return { StatusCode: 202 }
  })

  return {
    config,
    identityId,
    store,
    chatEvents,
    stopRequests,
    dataPlane,
    answerTable,
    fetchEvents,
    listEvents,
    async idle() {
      await Promise.allSettled([...running])
    },
    async close() {
      await Promise.allSettled([...running])
      await dataPlane.close()
    },
  }
}

export { USER }

/** The offered versions this fake stack serves: all of them when its config lists none, else those it lists. */
function servable(offered: number[], served: number[] | undefined): number[] {
  const common = served ? offered.filter((version) => served.includes(version)) : offered
  return common.length > 0 ? common : offered
}
