/**
 * An identity may connect to IoT Core only once the stack's IoT policy is attached to it. The attach-policy Lambda
 * does that for its caller (the identity is read from the Lambda context, never from the event). The app invokes
 * it only when the identity is new here (no stored flag) or when a connect was refused, e.g. because the policy
 * was detached or the stack redeployed.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda'
import { awsErrorName } from './aws-errors'
import { silentLog, type CloudLog } from './cloud-log'
import { describeInvokeError } from './lambda-errors'
import { tokenKeys, type TokenStore } from './token-store'
import { parseLambdaPayload } from './lambda-payload'

export interface PolicyAttacherOptions {
  lambda: LambdaClient
  functionName: string
  store: TokenStore
  log?: CloudLog
}

export class PolicyAttacher {
  private readonly log: CloudLog

  constructor(private readonly options: PolicyAttacherOptions) {
    this.log = options.log ?? silentLog
  }

  async isAttached(identityId: string): Promise<boolean> {
    return (await this.options.store.get(tokenKeys.iotPolicyAttached(identityId))) !== undefined
  }

  /** Invokes the attach-policy Lambda and remembers that the policy is attached to `identityId`. */
  async attach(identityId: string): Promise<void> {
    const { lambda, functionName, store } = this.options
    let result: { FunctionError?: string | undefined; Payload?: Uint8Array | undefined }
    try {
      result = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse' }))
    } catch (error) {
      this.log('iot-policy-attach-failed', { error: awsErrorName(error) })
      throw new Error(describeInvokeError(error, functionName), { cause: error })
    }
    const answer = parseAnswer(result.Payload)
    if (result.FunctionError !== undefined || answer?.attached !== true) {
      this.log('iot-policy-attach-refused', { functionError: result.FunctionError ?? 'none' })
      throw new Error(`The cloud backend could not give this account access to AWS IoT Core${reason(answer)}.`)
    }
    if (answer.identityId !== identityId) {
      throw new Error(
        'The cloud backend attached the IoT policy to another identity than this sign-in. Sign out and sign in again.',
      )
    }
    await store.set(tokenKeys.iotPolicyAttached(identityId), new Date().toISOString())
    this.log('iot-policy-attached', { identityId })
  }
}

/**
 * Connects with the policy in place: attaches it first for an identity new here; on a refused connect, attaches
 * it (unless it just was) and tries once more. The retry also covers a policy that takes a moment to apply.
 */
export async function connectWithIotPolicy(
  connect: () => Promise<void>,
  attacher: PolicyAttacher,
  identityId: string,
): Promise<void> {
  const attachedNow = !(await attacher.isAttached(identityId))
  if (attachedNow) await attacher.attach(identityId)
  try {
    await connect()
  } catch {
    if (!attachedNow) await attacher.attach(identityId)
    await connect()
  }
}

interface AttachAnswer {
  attached?: unknown
  identityId?: unknown
  errorMessage?: unknown
}

function parseAnswer(payload: Uint8Array | undefined): AttachAnswer | undefined {
  const parsed = parseLambdaPayload(payload)
  return typeof parsed === 'object' && parsed !== null ? (parsed as AttachAnswer) : undefined
}

/**
 * The function's own error message when it is one of our Lambda's plain sentences (one short line). A runtime's
 * report of a crash (a trace, file paths, several lines) is for the logs, not for the user.
 */
function reason(answer: AttachAnswer | undefined): string {
  const message = typeof answer?.errorMessage === 'string' ? answer.errorMessage.trim() : ''
  if (message === '' || message.length > MAX_SHOWN_REASON || /[\r\n]/.test(message)) return ''
  return `: ${message.replace(/[.\s]+$/, '')}`
}

const MAX_SHOWN_REASON = 200
