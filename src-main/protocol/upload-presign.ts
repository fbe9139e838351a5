/**
 * The upload-presign Lambda's contract (src-main/backend/lambda/upload-presign-lambda.ts), shared by the app that
 * asks and the Lambda that answers. The app asks for one object at a time, naming its SHA-256 (hex, the attachment
 * store's id and the key's last part), its exact size and its content type; the Lambda answers with a presigned
 * POST for exactly `uploads/<caller>/<sha256>`, whose policy S3 checks against the form (size, key, type,
 * encryption, checksum). Users hold no s3:PutObject themselves, so that policy is the only way in and the size
 * limit is S3's, not the app's.
 *
 * It crosses a deploy boundary: both shapes TOLERATE unknown keys (`z.object` drops them).
 */
import { z } from 'zod'
import { MAX_UPLOAD_BYTES } from './upload-keys'

/** What may be uploaded: the media types the app prepares (shared/attachment.ts) and a PDF's extracted text. */
export const UPLOAD_CONTENT_TYPES = [
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
  'application/pdf',
  'text/plain',
  'text/plain; charset=utf-8',
] as const
export type UploadContentType = (typeof UPLOAD_CONTENT_TYPES)[number]

/** How long a presigned POST is valid: the app posts right away; a leaked form is useless soon after. */
export const PRESIGNED_POST_SECONDS = 300

export const UploadPresignRequestSchema = z.object({
  /** The bytes' SHA-256 as 64 lowercase hex digits: the object's name, and the checksum S3 is told to check. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 as 64 lowercase hex digits'),
  size: z.number().int().min(1).max(MAX_UPLOAD_BYTES),
  contentType: z.enum(UPLOAD_CONTENT_TYPES),
})
export type UploadPresignRequest = z.infer<typeof UploadPresignRequestSchema>

/** Why the Lambda refused: each a code the app words itself (the detail is for logs and developers). */
export type UploadPresignRefusal =
  'no-identity' | 'empty' | 'too-large' | 'unsupported-type' | 'invalid-sha256' | 'invalid-request' | 'signing-failed'

export const UploadPresignResultSchema = z.union([
  z.object({
    ok: z.literal(true),
    /** The bucket's POST endpoint. */
    url: z.string().url(),
    /** The form's fields, to be sent before the file, as given. */
    fields: z.record(z.string(), z.string()),
    key: z.string(),
  }),
  z.object({ ok: z.literal(false), error: z.string(), detail: z.string().optional() }),
])
export type UploadPresignResult =
  | { ok: true; url: string; fields: Record<string, string>; key: string }
  | { ok: false; error: UploadPresignRefusal; detail: string }

/** The refusal for a request the schema did not accept, from its first problem. */
export function refusalOf(error: z.ZodError): UploadPresignRefusal {
  const issue = error.issues[0]
  switch (issue?.path[0]) {
    case 'size':
      if (issue.code === 'too_small') return 'empty'
      if (issue.code === 'too_big') return 'too-large'
      return 'invalid-request'
    case 'contentType':
      return 'unsupported-type'
    case 'sha256':
      return 'invalid-sha256'
    default:
      return 'invalid-request'
  }
}
