/**
 * Cloud mode's attachments (issue 18): a private bucket where the app puts each prepared attachment under the
 * signed-in user's own prefix, `uploads/<identity id>/<sha256>` (src-main/protocol/upload-keys.ts), and from which
 * the chat Lambda reads them back to build the model's request. The chat request carries the keys, not the bytes.
 *
 * - Private: every public-access block on, ACLs disabled (the bucket owner owns every object).
 * - Encrypted at rest (SSE-S3, AES-256) by default, and only reachable over TLS (the bucket policy denies the rest).
 * - Short-lived: a lifecycle rule deletes every object a day after it was written (an attachment is needed only
 *   while its prompt streams; a later turn that sends it again uploads it again), and aborts unfinished multipart
 *   uploads after a day, so nothing a client leaves behind is stored for longer.
 * - Users hold no S3 permission at all. Each upload goes through the upload-presign Lambda
 *   (src-main/backend/lambda/upload-presign-lambda.ts), which users may invoke: it takes the caller from Lambda's
 *   context and signs, with its own role (s3:PutObject on `uploads/*`, nothing else), a POST policy for exactly
 *   `uploads/<caller>/<sha256>` with an exact `content-length-range` (at most MAX_UPLOAD_BYTES), the content type,
 *   SSE-S3 and the SHA-256 checksum, valid for five minutes. S3 checks the form against that policy, so the size
 *   limit is S3's: IAM has no condition key on an object's size, which is why users no longer hold PutObject.
 * - The chat Lambda may only GetObject under `uploads/*`; its code reads only the caller's own prefix (the identity
 *   from Lambda's context), as for the answer and spend tables, whose service role cannot carry the user's variable.
 */
import path from 'node:path'
import { Construct } from 'constructs'
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js'
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js'
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js'
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js'
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js'
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js'
import { LAMBDA_ENV } from '../../src-main/backend/lambda/lambda-env'
import { UPLOAD_PREFIX } from '../../src-main/protocol/upload-keys'
import { NodeLambda } from '../lib/node-lambda'
import { policyJson, type PolicyStatement } from '../lib/policy-document'

export interface UploadsOptions {
  namePrefix: string
  identityPoolId: string
  bundleDir: string
  logRetentionDays: number
}

const PRESIGN_ENTRY = path.resolve(import.meta.dirname, '../../src-main/backend/lambda/upload-presign-lambda.ts')

export class Uploads extends Construct {
  readonly bucket: S3Bucket
  /** Signs each user's upload (the users' role may invoke it; it alone may put objects). */
  readonly presignFunction: NodeLambda

  constructor(scope: Construct, id: string, options: UploadsOptions) {
    super(scope, id)
    // A generated suffix: bucket names are global, and a name taken in another account would fail the deploy.
    this.bucket = new S3Bucket(this, 'bucket', { bucketPrefix: `${options.namePrefix}-uploads-`, forceDestroy: true })
    const bucket = this.bucket.id
    new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    })
    new S3BucketOwnershipControls(this, 'ownership', { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } })
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    })
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket,
      rule: [
        {
          id: 'delete-uploads-after-a-day',
          status: 'Enabled',
          filter: [{ prefix: `${UPLOAD_PREFIX}/` }],
          expiration: [{ days: 1 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    })
    new S3BucketPolicy(this, 'policy', {
      bucket,
      policy: policyJson([
        {
          Sid: 'DenyWithoutTls',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['s3:*'],
          Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ]),
    })
    this.presignFunction = new NodeLambda(this, 'presign', {
      functionName: `${options.namePrefix}-upload-presign`,
      description: "Signs a size-limited S3 POST for one attachment under the caller's own uploads prefix",
      entry: PRESIGN_ENTRY,
      bundleDir: options.bundleDir,
      environment: {
        [LAMBDA_ENV.uploadBucket]: this.bucket.bucket,
        [LAMBDA_ENV.identityPoolId]: options.identityPoolId,
      },
      timeoutSeconds: 10, // it signs locally: no request to S3
      memoryMb: 128,
      logRetentionDays: options.logRetentionDays,
      // The POST it signs is made with these permissions: its code fixes the key to the caller's own prefix.
      statements: [
        {
          Sid: 'PutUploadsBySignedPost',
          Effect: 'Allow',
          Action: ['s3:PutObject'],
          Resource: [`${this.bucket.arn}/${UPLOAD_PREFIX}/*`],
        },
      ],
    })
  }

  /** For the chat Lambda: read uploaded objects (its code keeps to the caller's prefix), nothing else. */
  chatReadStatement(): PolicyStatement {
    return {
      Sid: 'ReadUploadedAttachments',
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: [`${this.bucket.arn}/${UPLOAD_PREFIX}/*`],
    }
  }
}
