/**
 * The upload-presign Lambda: the one way a signed-in user can put an attachment in the uploads bucket. Users hold
 * no s3:PutObject (IAM has no condition on an object's size, so a user who could put could put anything); this
 * function's role can, and it signs a POST policy that S3 checks against the form before it stores anything:
 *
 * - the key is exactly `uploads/<caller>/<sha256>`, the caller taken from Lambda's context, never the event;
 * - the size is exactly the declared one (`content-length-range` [size, size]), and the declared one is 1 byte to
 *   MAX_UPLOAD_BYTES, the most the chat Lambda reads of one object;
 * - the content type is the declared one, from an allowlist;
 * - SSE-S3 encryption, and the SHA-256 checksum (S3 refuses bytes that are not the named file);
 * - valid for PRESIGNED_POST_SECONDS.
 *
 * Refusals are `{ ok: false, error, detail }` with a code the app words itself; nothing is thrown for a bad request.
 */
import { S3Client } from '@aws-sdk/client-s3'
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import { z } from 'zod'
import { uploadKey } from '../../protocol/upload-keys'
import {
  PRESIGNED_POST_SECONDS,
  refusalOf,
  UploadPresignRequestSchema,
  type UploadPresignResult,
} from '../../protocol/upload-presign'
import { callerIdentity, type InvocationContext } from './caller-identity'
import { LAMBDA_ENV, requireEnv } from './lambda-env'
import { consoleLog, describeError, type LambdaLog } from './lambda-log'

export interface UploadPresignDeps {
  /** Signs with the function's own role; never sends a request. */
  s3: S3Client
  bucket: string
  /** When set, only identities of this pool (the stack's own) are served. */
  identityPoolId?: string
  log?: LambdaLog
}

export type UploadPresignHandler = (event: unknown, context: InvocationContext) => Promise<UploadPresignResult>

export function createUploadPresignHandler(deps: UploadPresignDeps): UploadPresignHandler {
  const log = deps.log ?? consoleLog
  return async (event, context) => {
    const requestId = context.awsRequestId
    const caller = callerIdentity(context, deps.identityPoolId)
    if (!caller.ok) {
      log('presign-refused', { requestId, reason: caller.reason })
      return { ok: false, error: 'no-identity', detail: caller.reason }
    }
    const { identityId } = caller
    const parsed = UploadPresignRequestSchema.safeParse(event)
    if (!parsed.success) {
      const error = refusalOf(parsed.error)
      const detail = z.prettifyError(parsed.error).slice(0, 500)
      log('presign-refused', { requestId, identityId, error, detail })
      return { ok: false, error, detail }
    }
    const { sha256, size, contentType } = parsed.data
    const key = uploadKey(identityId, sha256)
    const fields = {
      'Content-Type': contentType,
      'x-amz-server-side-encryption': 'AES256',
      'x-amz-checksum-algorithm': 'SHA256',
      'x-amz-checksum-sha256': Buffer.from(sha256, 'hex').toString('base64'),
    }
    try {
      const post = await createPresignedPost(deps.s3, {
        Bucket: deps.bucket,
        Key: key,
        // Every field becomes an exact-match condition too (the key and the bucket as well).
        Fields: fields,
        Conditions: [['content-length-range', size, size]],
        Expires: PRESIGNED_POST_SECONDS,
      })
      log('presign-issued', { requestId, identityId, size, contentType })
      return { ok: true, url: post.url, fields: post.fields, key }
    } catch (error) {
      log('presign-failed', { requestId, identityId, ...describeError(error) })
      return { ok: false, error: 'signing-failed', detail: 'The upload could not be signed; try again.' }
    }
  }
}

export function uploadPresignDepsFromEnv(env: NodeJS.ProcessEnv): UploadPresignDeps {
  const identityPoolId = env[LAMBDA_ENV.identityPoolId]?.trim()
  return {
    s3: new S3Client({}),
    bucket: requireEnv(env, LAMBDA_ENV.uploadBucket),
    ...(identityPoolId ? { identityPoolId } : {}),
  }
}

let deployedHandler: UploadPresignHandler | undefined

/** The Lambda entry point (`index.handler` in the bundle). */
export const handler: UploadPresignHandler = async (event, context) => {
  deployedHandler ??= createUploadPresignHandler(uploadPresignDepsFromEnv(process.env))
  return deployedHandler(event, context)
}
