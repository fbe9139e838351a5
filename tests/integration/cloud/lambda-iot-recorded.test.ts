/**
 * Lambda Invoke and IoT Data Plane Publish answers recorded from the real services or published by AWS
 * (tests/fixtures/aws-recorded/README.md names each source), replayed over local HTTP to the real SDK clients: the
 * 202 of an asynchronous invoke, an `X-Amz-Function-Error: Unhandled` result, Lambda's 429 throttle, and an empty
 * 200 from Publish, with what the app's own modules make of each.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { LambdaClient } from '@aws-sdk/client-lambda'
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane'
import { LambdaChatBackend } from '../../../src-main/core/cloud/lambda-chat-backend'
import { fetchCloudUsage } from '../../../src-main/core/cloud/cloud-usage'
import { PolicyAttacher } from '../../../src-main/core/cloud/policy-attacher'
import { LambdaStreamRecovery } from '../../../src-main/core/cloud/lambda-stream-recovery'
import { tokenKeys, type FileTokenStore } from '../../../src-main/core/cloud/token-store'
import { IotDataPublisher } from '../../../src-main/backend/iot-data-publisher'
import type { ChatRequest } from '../../../src-main/backend/chat-handler'
import { recorded, REPLAY_CREDENTIALS, startAwsReplay, type AwsReplay } from '../../support/aws-replay'
import { CLOUD_CONFIG, IDENTITY_ID, tempTokenStore } from '../../unit/cloud/cloud-fixtures'

const FUNCTION = CLOUD_CONFIG.chatFunctionName
const fromLambda = (name: string) => recorded('lambda', name)

let replay: AwsReplay
let lambda: LambdaClient

beforeAll(async () => {
  replay = await startAwsReplay()
  lambda = new LambdaClient({ region: 'us-east-1', endpoint: replay.endpoint, credentials: REPLAY_CREDENTIALS })
})
afterAll(() => replay.close())
beforeEach(() => {
  replay.reset()
})

const request: ChatRequest = {
  userId: IDENTITY_ID,
  streamId: 'stream-1',
  models: [{ modelId: 'claude', messages: [{ role: 'user', content: 'Hello' }] }],
}

function chatBackend(): LambdaChatBackend {
  return new LambdaChatBackend({
    lambda,
    functionName: FUNCTION,
    topicPrefix: CLOUD_CONFIG.topicPrefix,
    identityId: IDENTITY_ID,
    session: { publish: async () => undefined },
  })
}

describe('Lambda Invoke, recorded answers', () => {
  it('an asynchronous invoke answered 202 (recorded) queues the prompt', async () => {
    replay.answer(fromLambda('invoke-event-accepted'))

    await expect(chatBackend().start(request)).resolves.toBeUndefined()

    const [sent] = replay.requests
    expect(sent!.method).toBe('POST')
    expect(sent!.path).toBe(`/2015-03-31/functions/${FUNCTION}/invocations`)
    expect(sent!.headers['x-amz-invocation-type']).toBe('Event')
    // Signed with the caller's credentials: Lambda takes the identity from them, never from the event.
    expect(sent!.headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/lambda\//,
    )
    expect(sent!.body).toEqual({
      streamId: 'stream-1',
      models: [{ modelId: 'claude', messages: request.models[0]!.messages }],
    })
  })

  it("Lambda's recorded 429 throttle, after the SDK's retries, reads as a busy backend", async () => {
    const attempts = await lambda.config.maxAttempts()
    replay.answer(...Array.from({ length: attempts }, () => fromLambda('error-too-many-requests')))

    await expect(chatBackend().start(request)).rejects.toThrow('The cloud backend is busy. Try again in a moment.')
    expect(replay.requests).toHaveLength(attempts)
  })

  it('a recorded Unhandled function error makes the usage figures unavailable, not a crash', async () => {
    replay.answer(fromLambda('invoke-unhandled'))

    await expect(fetchCloudUsage(lambda, FUNCTION)).resolves.toEqual({
      ok: false,
      reason: 'unavailable',
      message: `The cloud function ${FUNCTION} failed.`,
    })
    expect(replay.requests[0]!.headers['x-amz-invocation-type']).toBe('RequestResponse')
  })

  it('a recorded Unhandled function error leaves the IoT policy unattached (nothing remembered)', async () => {
    const store: FileTokenStore = await tempTokenStore()
    replay.answer(fromLambda('invoke-unhandled'))
    const attacher = new PolicyAttacher({ lambda, functionName: CLOUD_CONFIG.attachPolicyFunctionName, store })

    // The recorded message is a Python trace: it stays out of what the user reads.
    await expect(attacher.attach(IDENTITY_ID)).rejects.toThrow(
      /^The cloud backend could not give this account access to AWS IoT Core\.$/,
    )
    expect(await store.get(tokenKeys.iotPolicyAttached(IDENTITY_ID))).toBeUndefined()
  })
  it('a recorded Unhandled function error from the fetch-stream function is reported by its kind', async () => {
    const recovery = new LambdaStreamRecovery({
      lambda,
      functionName: 'streamdesk-fetch-stream',
      store: await tempTokenStore(),
      identityId: IDENTITY_ID,
    })
    replay.answer(fromLambda('invoke-unhandled'))

    // The kind comes from the X-Amz-Function-Error header as the SDK parsed it; the function's own text stays out.
    await expect(recovery.fetch('stream-1')).rejects.toThrow(
      /^The cloud function streamdesk-fetch-stream failed \(Unhandled\)\.$/,
    )
  })

  it('a recorded Unhandled function error from the fetch-stream function means no catch-up list, not a crash', async () => {
    const recovery = new LambdaStreamRecovery({
      lambda,
      functionName: 'streamdesk-fetch-stream',
      store: await tempTokenStore(),
      identityId: IDENTITY_ID,
      servedProtocols: [1, 2],
    })
    replay.answer(fromLambda('invoke-unhandled'))

    await expect(recovery.recentStreams()).resolves.toEqual([])
    expect(replay.requests[0]!.body).toEqual({ recent: true })
  })
})

describe('IoT Data Plane Publish, recorded answer', () => {
  it("publishes a chunk at QoS 1 to the topic's REST path and accepts the empty 200", async () => {
    const client = new IoTDataPlaneClient({
      region: 'us-east-1',
      endpoint: replay.endpoint,
      credentials: REPLAY_CREDENTIALS,
    })
    const publisher = new IotDataPublisher(client, 'streamdesk')
    replay.answer(recorded('iot-data', 'publish-ok'), recorded('iot-data', 'publish-ok'))

    await expect(
      publisher.publish('streamdesk/user-1/stream-1', '{"seq":1,"text":"héllo 👋"}'),
    ).resolves.toBeUndefined()
    await expect(publisher.clearRetained('streamdesk/user-1/stream-1/control')).resolves.toBeUndefined()

    const [chunk, clear] = replay.requests
    expect(chunk!.method).toBe('POST')
    expect(chunk!.path).toBe('/topics/streamdesk%2Fuser-1%2Fstream-1?qos=1')
    expect(chunk!.body).toEqual({ seq: 1, text: 'héllo 👋' })
    // The data plane's HTTPS API signs as `iotdata` (the MQTT WebSocket as `iotdevicegateway`).
    expect(chunk!.headers['authorization']).toMatch(/\/us-east-1\/iotdata\/aws4_request/)
    expect(clear!.path).toBe('/topics/streamdesk%2Fuser-1%2Fstream-1%2Fcontrol?qos=1&retain=true')
    expect(clear!.body).toBeUndefined()
  })
})
