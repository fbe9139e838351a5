/**
 * Cloud mode's attachment uploads: where the app puts each prepared attachment in the stack's uploads bucket, and
 * what the chat Lambda will read back. One module, so the stack's IAM grants, the app's uploader and the Lambda's
 * check agree on the key's shape.
 *
 * A key is `uploads/<Cognito identity id>/<SHA-256 of the bytes>`: the identity part is what the app user role's
 * policy variable `${cognito-identity.amazonaws.com:sub}` resolves to, so a user can write only under their own
 * prefix; the name is the content's hash, so the same file is uploaded once and the Lambda can check what it read.
 */
import { z } from 'zod'

export const UPLOAD_PREFIX = 'uploads'

/** The most bytes of one uploaded object: Bedrock's document limit, the largest of any kind the app uploads. */
export const MAX_UPLOAD_BYTES = 4_500_000

/**
 * The most attachment bytes one chat invocation reads from S3 (each object once, shared by its models): 20 images
 * at Bedrock's 3.75 MB would be 75 MB, which the Lambda's memory and Bedrock's request size do not take; past this,
 * a file becomes a note the model reads.
 */
export const MAX_INVOCATION_UPLOAD_BYTES = 20_000_000

const IDENTITY_ID = '[a-z]{2}(?:-[a-z]+)+-\\d{1,2}:[0-9a-f-]{36}'
const SHA256_HEX = '[0-9a-f]{64}'

/** An upload key of any identity: the shape the chat request accepts (whose prefix the Lambda then checks). */
export const UploadKeySchema = z
  .string()
  .regex(
    new RegExp(`^${UPLOAD_PREFIX}/${IDENTITY_ID}/${SHA256_HEX}$`),
    'an upload key (uploads/<identity id>/<sha256>)',
  )

/** The key of one stored blob (an attachment or a PDF's text) of this identity. */
export function uploadKey(identityId: string, sha256: string): string {
  return `${identityPrefix(identityId)}${sha256}`
}

/** `uploads/<identityId>/`: everything this identity may write and the Lambda may read for it. */
export function identityPrefix(identityId: string): string {
  return `${UPLOAD_PREFIX}/${identityId}/`
}
