/**
 * Amazon S3's refusals of an upload in plain words, by the error code S3 gives (the SDK's error name for
 * PutObject, the `<Code>` of the XML body for a POST), from fixed text: an SDK or S3 message may quote the request.
 */
import { isNetworkError } from './aws-errors'

export const S3_UNREACHABLE = 'Amazon S3 cannot be reached. Check the internet connection and the proxy settings.'

export function describeS3Refusal(code: string): string {
  switch (code) {
    case 'AccessDenied':
    case 'InvalidAccessKeyId':
    case 'ExpiredToken':
    case 'SignatureDoesNotMatch':
      return `this account may not upload attachments (${code}). Sign out and sign in again; if it persists, the stack needs redeploying.`
    case 'NoSuchBucket':
      return 'the uploads bucket does not exist. Load the stack outputs again.'
    case 'BadDigest':
    case 'InvalidDigest':
      return 'the file was damaged on its way (its checksum did not match). Try again.'
    case 'EntityTooLarge':
      return 'Amazon S3 refused it as larger than the upload allows (EntityTooLarge).'
    case 'EntityTooSmall':
      return 'Amazon S3 refused it as smaller than the upload declared (EntityTooSmall). Try again.'
    default:
      return `Amazon S3 refused the upload (${code}). Try again later.`
  }
}

/** A failed request to S3 (no answer) or an SDK error, in plain words. */
export function describeS3Error(error: unknown, code: string): string {
  return isNetworkError(error) ? S3_UNREACHABLE : describeS3Refusal(code)
}
