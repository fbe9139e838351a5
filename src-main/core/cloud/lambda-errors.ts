import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda'
import { awsErrorName, isNetworkError } from './aws-errors'

/** What a synchronous invoke returns that the app reads: the function's error flag and its JSON answer. */
export interface InvokeResult {
  FunctionError?: string | undefined
  Payload?: Uint8Array | undefined
}

/** Invokes a cloud function synchronously with `request` as its JSON event; the SDK's error is thrown as is. */
export function invokeWithJson(
  lambda: Pick<LambdaClient, 'send'>,
  functionName: string,
  request: unknown,
): Promise<InvokeResult> {
  return lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(request)),
    }),
  )
}

/** A failed Lambda Invoke as a plain-language sentence (from fixed text: an invoke request can carry a prompt). */
export function describeInvokeError(error: unknown, functionName: string): string {
  if (isNetworkError(error)) return 'Cannot reach AWS Lambda. Check the internet connection and the proxy settings.'
  const name = awsErrorName(error)
  switch (name) {
    case 'ResourceNotFoundException':
      return `The cloud function ${functionName} does not exist. Load the stack outputs again.`
    case 'AccessDeniedException':
    case 'AccessDenied':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
      return `This account may not call the cloud function ${functionName} (${name}). Sign out and sign in again.`
    case 'TooManyRequestsException':
      return 'The cloud backend is busy. Try again in a moment.'
    case 'RequestEntityTooLargeException':
      return 'This conversation is too long to send to the cloud. Start a new chat.'
    default:
      return `AWS Lambda failed to run ${functionName} (${name}). Try again later.`
  }
}
