/**
 * The attach-policy Lambda: before a Cognito identity may connect to AWS IoT Core, the stack's IoT policy must be
 * attached to it. The app invokes this (synchronously, with its identity-pool credentials) when its identity is new
 * or a connect was refused. The target is ALWAYS the caller's identity as Lambda reports it, never anything in the
 * event, and the policy is the one the stack configured, so a caller can only ever attach that policy to itself.
 * Attaching twice is harmless.
 */
import { AttachPolicyCommand, IoTClient } from '@aws-sdk/client-iot'
import { callerIdentity, type InvocationContext } from './caller-identity'
import { LAMBDA_ENV, requireEnv } from './lambda-env'
import { consoleLog, describeError, type LambdaLog } from './lambda-log'

export interface AttachPolicyDeps {
  iot: IoTClient
  policyName: string
  /** When set, only identities of this pool (the stack's own) are served. */
  identityPoolId?: string
  log?: LambdaLog
}

export interface AttachPolicyResult {
  attached: true
  identityId: string
}

export type AttachPolicyHandler = (event: unknown, context: InvocationContext) => Promise<AttachPolicyResult>

export function createAttachPolicyHandler(deps: AttachPolicyDeps): AttachPolicyHandler {
  const log = deps.log ?? consoleLog
  return async (_event, context) => {
    const requestId = context.awsRequestId
    const caller = callerIdentity(context, deps.identityPoolId)
    if (!caller.ok) {
      log('attach-refused', { requestId, reason: caller.reason })
      throw new Error(`Refused: ${caller.reason}.`) // the caller sees a function error
    }
    const { identityId } = caller
    try {
      await deps.iot.send(new AttachPolicyCommand({ policyName: deps.policyName, target: identityId }))
    } catch (error) {
      if (!isAlreadyAttached(error)) {
        log('attach-failed', { requestId, identityId, ...describeError(error) })
        throw error
      }
    }
    log('policy-attached', { requestId, identityId, policyName: deps.policyName })
    return { attached: true, identityId }
  }
}

/** IoT answers a repeated AttachPolicy with success; older paths report a conflict, which means the same. */
function isAlreadyAttached(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  return error.name === 'ResourceAlreadyExistsException' || /already (attached|exists)/i.test(error.message)
}

export function attachPolicyDepsFromEnv(env: NodeJS.ProcessEnv): AttachPolicyDeps {
  const identityPoolId = env[LAMBDA_ENV.identityPoolId]?.trim()
  return {
    iot: new IoTClient({}),
    policyName: requireEnv(env, LAMBDA_ENV.iotPolicyName),
    ...(identityPoolId ? { identityPoolId } : {}),
  }
}

let deployedHandler: AttachPolicyHandler | undefined

/** The Lambda entry point (`index.handler` in the bundle). */
export const handler: AttachPolicyHandler = async (event, context) => {
  deployedHandler ??= createAttachPolicyHandler(attachPolicyDepsFromEnv(process.env))
  return deployedHandler(event, context)
}
