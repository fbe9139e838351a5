/**
 * AWS stood in for at the SDK edge, for cloud mode on a real broker: Cognito (user pool and identity pool) answer
 * through aws-sdk-client-mock, and the mocked Lambda Invoke runs the real chat handler (`streamChat`) with
 * scripted models, publishing through a plain MQTT session to the local Mosquitto, which plays IoT Core's data
 * plane. Like the deployed chat Lambda, it takes the user from the "context" (here: the identity the mocked pool
 * issued), never from the event, and stops models named in the stream's retained control message.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mockClient } from 'aws-sdk-client-mock'
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider'
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity'
import { InvokeCommand, LambdaClient, type InvokeCommandInput } from '@aws-sdk/client-lambda'
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde'
import { streamChat } from '../../../src-main/backend/chat-handler'
import type { ModelResolver } from '../../../src-main/backend/model-provider'
import { decodeStopRequest, stopControlTopic, type CloudConfig } from '../../../src-main/protocol/cloud-config'
import { MqttSession } from '../../../src-main/core/mqtt/mqtt-session'
import { plainBrokerConnectionConfig } from '../../../src-main/core/mqtt/connection-config'
import { FileTokenStore } from '../../../src-main/core/cloud/token-store'
import { plainTextCodec } from '../../../src-main/core/settings/settings-store'
import type { Clock } from '../../../src-main/lib/clock'
import type { Mosquitto } from '../../support/mosquitto'
import { CLOUD_CONFIG, fakeIdToken, USER } from '../../unit/cloud/cloud-fixtures'

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
  close(): Promise<void>
}

/** Sets up the mocks for one signed-in user with a fresh identity id, and the fake chat and attach-policy Lambdas. */
export async function startFakeCloud(options: { broker: Mosquitto; models: ModelResolver; clock: Clock }): Promise<FakeCloud> {
  const { broker, models, clock } = options
  const identityId = `us-east-1:${randomUUID()}`
  const config: CloudConfig = { ...CLOUD_CONFIG, iotEndpoint: 'localhost' }
  const dir = await mkdtemp(join(tmpdir(), 'streamdesk-cloud-'))
  const store = new FileTokenStore(join(dir, 'cloud-session.json'), plainTextCodec)
  let issued = 0

  for (const mock of [cognitoIdp, cognitoIdentity, lambda]) mock.reset()
  const tokens = () => ({
    AuthenticationResult: { IdToken: fakeIdToken(clock.now() + HOUR), AccessToken: 'access', RefreshToken: 'refresh', ExpiresIn: 3600 },
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
    buildConfig: () => plainBrokerConnectionConfig({ host: broker.host, port: broker.port, clientId: `fake-lambda-${randomUUID()}` }),
  })
  await dataPlane.connect()
  const chatEvents: unknown[] = []
  const stopRequests: string[] = []
  const running = new Set<Promise<unknown>>()

  lambda.on(InvokeCommand, { FunctionName: config.attachPolicyFunctionName }).resolves({
    StatusCode: 200,
    Payload: Uint8ArrayBlobAdapter.fromString(JSON.stringify({ attached: true, identityId })),
  })
  lambda.on(InvokeCommand, { FunctionName: config.chatFunctionName }).callsFake(async (input: InvokeCommandInput) => {
    const event = JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) as {
      streamId: string
      models: Array<{ modelId: string; messages: Array<{ role: 'user' | 'assistant' | 'system'; content: string }> }>
    }
    chatEvents.push(event)
    const stops = new Map(event.models.map(({ modelId }) => [modelId, new AbortController()]))
    const controlTopic = stopControlTopic(config.topicPrefix, identityId, event.streamId)
    await dataPlane.subscribe(controlTopic, (_topic, payload) => {
      const request = decodeStopRequest(payload)
      if (!request) return
      stopRequests.push(new TextDecoder().decode(payload))
      for (const [modelId, controller] of stops) if (request.stop === 'all' || request.stop.includes(modelId)) controller.abort()
    })
    const done = streamChat(
      { userId: identityId, streamId: event.streamId, models: event.models },
      {
        publisher: { publish: (topic, payload) => dataPlane.publish(topic, payload) },
        models,
        topicPrefix: config.topicPrefix,
        stopSignal: (modelId) => stops.get(modelId)?.signal,
        coalescing: { windowMs: 5 },
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
    async close() {
      await Promise.allSettled([...running])
      await dataPlane.close()
    },
  }
}

export { USER }
