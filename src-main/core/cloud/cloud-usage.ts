/**
 * Settings → Cloud's usage figures: the chat Lambda's `usage` action, invoked synchronously with the user's own
 * identity-pool credentials (the Lambda reads the caller from its context, so it can only ever report this user).
 */
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { USAGE_REQUEST, UsageResultSchema } from '../../protocol/spend-usage'
import type { CloudUsageResult } from '../../shared/ipc-contract'
import { awsErrorName } from './aws-errors'
import { silentLog, type CloudLog } from './cloud-log'
import { describeInvokeError, invokeWithJson, type InvokeResult } from './lambda-errors'
import { parseLambdaPayload } from './lambda-payload'

export async function fetchCloudUsage(
  lambda: LambdaClient,
  functionName: string,
  log: CloudLog = silentLog,
): Promise<CloudUsageResult> {
  let result: InvokeResult
  try {
    result = await invokeWithJson(lambda, functionName, USAGE_REQUEST)
  } catch (error) {
    log('usage-failed', { error: awsErrorName(error) })
    return { ok: false, reason: 'unavailable', message: describeInvokeError(error, functionName) }
  }
  if (result.FunctionError !== undefined)
    return { ok: false, reason: 'unavailable', message: `The cloud function ${functionName} failed.` }
  const parsed = UsageResultSchema.safeParse(parseLambdaPayload(result.Payload))
  if (!parsed.success)
    return {
      ok: false,
      reason: 'unavailable',
      message: `The cloud function ${functionName} gave an answer this app does not understand.`,
    }
  const answer = parsed.data
  if (answer.ok) return { ok: true, usage: answer.usage }
  // A chat Lambda from before budgets reads the request as a chat request and refuses it as invalid.
  if (answer.error === 'invalid-event' || answer.error === 'spend-guard-off')
    return {
      ok: false,
      reason: 'no-budgets',
      message: 'This cloud backend has no budgets: redeploy it (npm run cdktf:deploy) to get them.',
    }
  return { ok: false, reason: 'unavailable', message: answer.detail.slice(0, 300) }
}
