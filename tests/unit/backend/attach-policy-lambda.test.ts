import { afterEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import {
  AttachPolicyCommand,
  InvalidRequestException,
  IoTClient,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-iot'
import {
  attachPolicyDepsFromEnv,
  createAttachPolicyHandler,
} from '../../../src-main/backend/lambda/attach-policy-lambda'
import { IDENTITY, OTHER_IDENTITY as OTHER, OTHER_POOL, POOL, invocationContext as context } from './lambda-callers'

const iot = mockClient(IoTClient)
afterEach(() => iot.reset())

const POLICY = 'streamdesk-user-policy'

const signedIn = context()

function lambda() {
  const logs: Array<Record<string, unknown>> = []
  const handler = createAttachPolicyHandler({
    iot: new IoTClient({ region: 'eu-west-1' }),
    policyName: POLICY,
    identityPoolId: POOL,
    log: (event, fields) => logs.push({ event, ...fields }),
  })
  return { handler, logs }
}

const attachInputs = () => iot.commandCalls(AttachPolicyCommand).map((call) => call.args[0].input)

describe('attach-policy Lambda', () => {
  it("attaches the configured policy to the caller's identity from the context, whatever the event names", async () => {
    iot.on(AttachPolicyCommand).resolves({})
    const { handler } = lambda()
    const forged = { identityId: OTHER, target: OTHER, policyName: 'AdminPolicy' }
    await expect(handler(forged, signedIn)).resolves.toEqual({ attached: true, identityId: IDENTITY })
    expect(attachInputs()).toEqual([{ policyName: POLICY, target: IDENTITY }])
  })

  it('is idempotent: attaching again, or a conflict saying it is attached already, is success', async () => {
    iot
      .on(AttachPolicyCommand)
      .resolvesOnce({})
      .rejectsOnce(
        new ResourceAlreadyExistsException({
          message: 'Policy is already attached',
          resourceId: POLICY,
          $metadata: {},
        }),
      )
    const { handler } = lambda()
    await expect(handler({}, signedIn)).resolves.toEqual({ attached: true, identityId: IDENTITY })
    await expect(handler({}, signedIn)).resolves.toEqual({ attached: true, identityId: IDENTITY })
    expect(attachInputs()).toHaveLength(2)
  })

  it.each([
    ['no identity', null, /no Cognito identity/],
    [
      "another pool's identity",
      { cognitoIdentityId: IDENTITY, cognitoIdentityPoolId: OTHER_POOL },
      /another identity pool/,
    ],
    ['a malformed identity id', { cognitoIdentityId: '*', cognitoIdentityPoolId: POOL }, /malformed/],
  ])('refuses a caller with %s, attaching nothing', async (_name, identity, reason) => {
    const { handler, logs } = lambda()
    await expect(handler({ identityId: IDENTITY }, context(identity))).rejects.toThrow(reason)
    expect(attachInputs()).toEqual([])
    expect(logs).toEqual([expect.objectContaining({ event: 'attach-refused' })])
  })

  it('reports any other failure to the caller, and logs it', async () => {
    iot.on(AttachPolicyCommand).rejects(new InvalidRequestException({ message: 'Invalid target', $metadata: {} }))
    const { handler, logs } = lambda()
    await expect(handler({}, signedIn)).rejects.toThrow('Invalid target')
    expect(logs).toEqual([expect.objectContaining({ event: 'attach-failed', errorName: 'InvalidRequestException' })])
  })

  it('takes the policy name and pool from the environment the stack sets', () => {
    const deps = attachPolicyDepsFromEnv({ STREAMDESK_IOT_POLICY_NAME: POLICY, STREAMDESK_IDENTITY_POOL_ID: POOL })
    expect(deps).toMatchObject({ policyName: POLICY, identityPoolId: POOL })
    expect(() => attachPolicyDepsFromEnv({})).toThrow('STREAMDESK_IOT_POLICY_NAME')
  })
})
