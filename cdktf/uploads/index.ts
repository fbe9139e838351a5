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
 * - Users may only PutObject, only under `uploads/${cognito-identity.amazonaws.com:sub}/*` (the policy variable of
 *   the role they assume through the identity pool): no read, no list, no delete, nobody else's prefix.
 * - The chat Lambda may only GetObject under `uploads/*`; its code reads only the caller's own prefix (the identity
 *   from Lambda's context), as for the answer and spend tables, whose service role cannot carry the user's variable.
 *
 * Size: IAM has no condition key on an object's size, and a presigned POST's `content-length-range` binds only the
 * POSTs made with that policy; a user who holds credentials allowed to PutObject can sign their own request without
 * it. See cdktf/README.md ("Attachments") for what bounds an upload, and what a real S3-enforced limit would take.
 */
import { Construct } from 'constructs'
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js'
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js'
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js'
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js'
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js'
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js'
import { UPLOAD_PREFIX } from '../../src-main/protocol/upload-keys'
import { COGNITO_IDENTITY_ID, policyJson, type PolicyStatement } from '../lib/policy-document'

export interface UploadsOptions {
  namePrefix: string
}

export class Uploads extends Construct {
  readonly bucket: S3Bucket

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
  }

  /** For the app user role: put objects under the user's own prefix, nothing else. */
  userPutStatement(): PolicyStatement {
    return {
      Sid: 'UploadOwnAttachments',
      Effect: 'Allow',
      Action: ['s3:PutObject'],
      Resource: [`${this.bucket.arn}/${UPLOAD_PREFIX}/${COGNITO_IDENTITY_ID}/*`],
    }
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
