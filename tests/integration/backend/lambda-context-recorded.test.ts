/**
 * The caller's identity as the Lambda runtime hands it over: the `Lambda-Runtime-Cognito-Identity` header the
 * Runtime API sends (recorded from AWS's runtime interface emulator tests), parsed into `context.identity` as the
 * Node.js runtime does (`JSON.parse` of that header). The attach-policy Lambda reads it, and its AttachPolicy call
 * goes to the real IoT SDK client answered with the AWS CLI's documented empty answer over local HTTP.
 * Sources: tests/fixtures/aws-recorded/README.md.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { IoTClient } from '@aws-sdk/client-iot'
import { createAttachPolicyHandler } from '../../../src-main/backend/lambda/attach-policy-lambda'
import { callerIdentity, type InvocationContext } from '../../../src-main/backend/lambda/caller-identity'
import { recorded, REPLAY_CREDENTIALS, startAwsReplay, type AwsReplay } from '../../support/aws-replay'

const RECORDED = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/aws-recorded/lambda/runtime-cognito-identity.json'), 'utf8'),
) as { header: string; value: string }
const IDENTITY_ID = 'us-east-1:12345678-1234-1234-1234-123456789012'
const POOL_ID = 'us-east-1:87654321-4321-4321-4321-210987654321'

/** The context the Node.js runtime builds from the invocation's headers (InvokeContext._headerData). */
function contextFromRuntimeHeaders(headers: Record<string, string>): InvocationContext {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]))
  const identity = lower['lambda-runtime-cognito-identity']
  return {
    awsRequestId: lower['lambda-runtime-aws-request-id'] ?? '',
    identity: identity === undefined ? undefined : (JSON.parse(identity) as InvocationContext['identity']),
  }
}

const recordedContext = () =>
  contextFromRuntimeHeaders({ 'Lambda-Runtime-Aws-Request-Id': 'ID-0', [RECORDED.header]: RECORDED.value })

describe("the caller's identity from the runtime's recorded header", () => {
  it('is read as the identity id, from the pool the stack expects', () => {
    expect(callerIdentity(recordedContext(), POOL_ID)).toEqual({ ok: true, identityId: IDENTITY_ID })
  })

  it('is refused when it comes through another identity pool', () => {
    const result = callerIdentity(recordedContext(), 'us-east-1:00000000-0000-0000-0000-000000000000')
    expect(result).toEqual({ ok: false, reason: 'the caller signed in through another identity pool' })
  })

  it('is refused when the runtime sent no identity (a caller without identity-pool credentials)', () => {
    const result = callerIdentity(contextFromRuntimeHeaders({ 'Lambda-Runtime-Aws-Request-Id': 'ID-1' }))
    expect(result.ok).toBe(false)
  })
})

describe('the attach-policy Lambda with the recorded identity and a replayed AttachPolicy', () => {
  let replay: AwsReplay
  beforeAll(async () => {
    replay = await startAwsReplay()
  })
  afterAll(() => replay.close())
  beforeEach(() => replay.reset())

  it("attaches the stack's policy to the identity the runtime reported, whatever the event names", async () => {
    const iot = new IoTClient({ region: 'us-east-1', endpoint: replay.endpoint, credentials: REPLAY_CREDENTIALS })
    const handler = createAttachPolicyHandler({
      iot,
      policyName: 'streamdesk-user',
      identityPoolId: POOL_ID,
      log: () => undefined,
    })
    replay.answer(recorded('iot', 'attach-policy-ok'))

    const result = await handler({ target: 'us-east-1:99999999-9999-9999-9999-999999999999' }, recordedContext())

    expect(result).toEqual({ attached: true, identityId: IDENTITY_ID })
    const [sent] = replay.requests
    expect(sent!.method).toBe('PUT')
    expect(sent!.path).toBe('/target-policies/streamdesk-user')
    expect(sent!.body).toEqual({ target: IDENTITY_ID })
  })
})
