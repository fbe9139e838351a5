/**
 * Who invoked a Lambda, as Lambda itself reports it. When the app invokes a function with Cognito identity-pool
 * credentials, Lambda puts the caller's identity in `context.identity`; the event is the caller's own text and is
 * never trusted for this. The identity id (`region:uuid`) names the user's topics and is what the IoT policy's
 * `${cognito-identity.amazonaws.com:sub}` resolves to.
 */
import type { Context } from 'aws-lambda'
import { IdSchema } from '../../protocol/stream-protocol'

/** The parts of Lambda's context the handlers read; the runtime's Context has them all. */
export type InvocationContext = Pick<Context, 'awsRequestId' | 'identity'> &
  Partial<Pick<Context, 'getRemainingTimeInMillis'>>

export type CallerIdentity = { ok: true; identityId: string } | { ok: false; reason: string }

const IDENTITY_ID = /^[a-z]{2}(-[a-z]+)+-\d{1,2}:[0-9a-f-]{36}$/

/** The caller's Cognito identity id, if the caller signed in through `expectedPoolId` (when given). */
export function callerIdentity(context: InvocationContext, expectedPoolId?: string): CallerIdentity {
  const identity = context.identity
  if (!identity?.cognitoIdentityId) {
    return { ok: false, reason: 'the caller has no Cognito identity (only identity-pool credentials may invoke this)' }
  }
  const { cognitoIdentityId, cognitoIdentityPoolId } = identity
  if (!IDENTITY_ID.test(cognitoIdentityId) || !IdSchema.safeParse(cognitoIdentityId).success) {
    return { ok: false, reason: "the caller's Cognito identity id is malformed" }
  }
  if (expectedPoolId !== undefined && cognitoIdentityPoolId !== expectedPoolId) {
    return { ok: false, reason: 'the caller signed in through another identity pool' }
  }
  return { ok: true, identityId: cognitoIdentityId }
}
