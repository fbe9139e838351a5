/**
 * Uploads for stacks deployed before the upload-presign Lambda (their config has no `uploadPresignFunctionName`):
 * PutObject with the user's own identity-pool credentials, which those stacks still grant. S3 checks the bytes
 * against their SHA-256 (`ChecksumSHA256`), but cannot bound their size: redeploying moves the app to presigned POSTs.
 */
import { createHash } from 'node:crypto'
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { awsErrorName } from './aws-errors'
import { describeS3Error } from './s3-refusals'
import { UploadFailure, type UploadObject, type UploadTransport } from './upload-transport'

export interface PutObjectUploadOptions {
  s3: S3Client
  bucket: string
}

export class PutObjectUpload implements UploadTransport {
  constructor(private readonly options: PutObjectUploadOptions) {}

  async upload({ key, bytes, contentType }: UploadObject): Promise<void> {
    try {
      await this.options.s3.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: contentType,
          ChecksumSHA256: createHash('sha256').update(bytes).digest('base64'),
        }),
      )
    } catch (error) {
      throw new UploadFailure(describeUploadError(error), { cause: error })
    }
  }
}

/** A failed PutObject in plain words, from fixed text (an SDK message may quote the request). */
export function describeUploadError(error: unknown): string {
  return describeS3Error(error, awsErrorName(error))
}
