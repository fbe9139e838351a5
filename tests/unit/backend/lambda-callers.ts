/**
 * Callers of the Lambdas the app invokes with the user's Cognito credentials: the identity Lambda puts in the
 * invocation context, a second user's, and a context without any identity.
 */
import type { InvocationContext } from '../../../src-main/backend/lambda/caller-identity'

export const IDENTITY = 'eu-west-1:0b8a1f2e-1111-2222-3333-444455556666'
/** Another user's identity id, which a forged request may name. */
export const OTHER_IDENTITY = 'eu-west-1:99999999-aaaa-bbbb-cccc-dddddddddddd'
export const POOL = 'eu-west-1:12345678-aaaa-bbbb-cccc-1234567890ab'
export const OTHER_POOL = 'eu-west-1:00000000-0000-0000-0000-000000000000'

/** The invocation context for `identity`; `null`/`undefined`: a caller without a Cognito identity. */
export function invocationContext(
  identity: InvocationContext['identity'] | null = { cognitoIdentityId: IDENTITY, cognitoIdentityPoolId: POOL },
): InvocationContext {
  return { awsRequestId: 'request-1', ...(identity ? { identity } : {}) }
}
