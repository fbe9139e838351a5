import { beforeEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde'
import { connectWithIotPolicy, PolicyAttacher } from '../../../src-main/core/cloud/policy-attacher'
import { tokenKeys, type FileTokenStore } from '../../../src-main/core/cloud/token-store'
import { awsError, CLOUD_CONFIG, IDENTITY_ID, tempTokenStore } from './cloud-fixtures'

const lambda = mockClient(LambdaClient)
let store: FileTokenStore

const answer = (value: object) => Uint8ArrayBlobAdapter.fromString(JSON.stringify(value))
const attached = () => ({ StatusCode: 200, Payload: answer({ attached: true, identityId: IDENTITY_ID }) })

function attacher(): PolicyAttacher {
  return new PolicyAttacher({
    lambda: new LambdaClient({ region: 'us-east-1' }),
    functionName: CLOUD_CONFIG.attachPolicyFunctionName,
    store,
  })
}

/** A connect that fails the first `refusals` times, as IoT Core does for an identity without the policy. */
function connectRefused(refusals: number) {
  const attempts = { count: 0 }
  const connect = async () => {
    attempts.count += 1
    if (attempts.count <= refusals) throw new Error('MQTT connect failed: AWS_ERROR_MQTT_UNEXPECTED_HANGUP')
  }
  return { connect, attempts }
}

beforeEach(async () => {
  lambda.reset()
  store = await tempTokenStore()
})

describe('PolicyAttacher', () => {
  it('invokes the attach-policy function synchronously with an empty event, and remembers the identity', async () => {
    lambda.on(InvokeCommand).resolves(attached())
    await attacher().attach(IDENTITY_ID)
    expect(lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'streamdesk-attach-policy', InvocationType: 'RequestResponse' },
    ])
    expect(await attacher().isAttached(IDENTITY_ID)).toBe(true)
    expect(await store.get(tokenKeys.iotPolicyAttached(IDENTITY_ID))).toBeDefined()
  })

  it("reports a function error with the function's own message, and remembers nothing", async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: answer({ errorType: 'Error', errorMessage: 'Refused: the caller has no Cognito identity.' }),
    })
    await expect(attacher().attach(IDENTITY_ID)).rejects.toThrow(
      'The cloud backend could not give this account access to AWS IoT Core: Refused: the caller has no Cognito identity.',
    )
    expect(await attacher().isAttached(IDENTITY_ID)).toBe(false)
  })

  it('refuses an answer for another identity', async () => {
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, Payload: answer({ attached: true, identityId: 'us-east-1:someone-else' }) })
    await expect(attacher().attach(IDENTITY_ID)).rejects.toThrow(/another identity/)
    expect(await attacher().isAttached(IDENTITY_ID)).toBe(false)
  })

  it('explains an invocation that failed', async () => {
    lambda.on(InvokeCommand).rejects(awsError('AccessDeniedException'))
    await expect(attacher().attach(IDENTITY_ID)).rejects.toThrow(
      /may not call the cloud function streamdesk-attach-policy/,
    )
  })
})

describe('connectWithIotPolicy', () => {
  it('attaches the policy before the first connect of a new identity, then never again', async () => {
    lambda.on(InvokeCommand).resolves(attached())
    const { connect, attempts } = connectRefused(0)
    await connectWithIotPolicy(connect, attacher(), IDENTITY_ID)
    await connectWithIotPolicy(connect, attacher(), IDENTITY_ID)
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1)
    expect(attempts.count).toBe(2)
  })

  it('attaches again when a known identity is refused, then retries the connect once', async () => {
    await store.set(tokenKeys.iotPolicyAttached(IDENTITY_ID), 'earlier')
    lambda.on(InvokeCommand).resolves(attached())
    const { connect, attempts } = connectRefused(1)
    await connectWithIotPolicy(connect, attacher(), IDENTITY_ID)
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1)
    expect(attempts.count).toBe(2)
  })

  it("retries a new identity's refused connect once without attaching twice (the policy may take a moment)", async () => {
    lambda.on(InvokeCommand).resolves(attached())
    const { connect, attempts } = connectRefused(1)
    await connectWithIotPolicy(connect, attacher(), IDENTITY_ID)
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1)
    expect(attempts.count).toBe(2)
  })

  it('gives up after the one retry', async () => {
    await store.set(tokenKeys.iotPolicyAttached(IDENTITY_ID), 'earlier')
    lambda.on(InvokeCommand).resolves(attached())
    const { connect, attempts } = connectRefused(5)
    await expect(connectWithIotPolicy(connect, attacher(), IDENTITY_ID)).rejects.toThrow(/UNEXPECTED_HANGUP/)
    expect(attempts.count).toBe(2)
  })
})
