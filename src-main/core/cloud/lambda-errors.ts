import { awsErrorName, isNetworkError } from './aws-errors'

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
