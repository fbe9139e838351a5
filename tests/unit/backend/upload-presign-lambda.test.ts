/**
 * The upload-presign Lambda (issue 18): a presigned POST for exactly `uploads/<caller>/<sha256>`, the caller from
 * Lambda's context; the policy is decoded from the returned form and its conditions, expiration and signature
 * checked. Nothing is sent to S3 (signing is local), so no client mock is needed; the credentials are a test's.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { S3Client } from '@aws-sdk/client-s3'
import {
  createUploadPresignHandler,
  uploadPresignDepsFromEnv,
} from '../../../src-main/backend/lambda/upload-presign-lambda'
import { MAX_UPLOAD_BYTES } from '../../../src-main/protocol/upload-keys'
import { PRESIGNED_POST_SECONDS, type UploadPresignResult } from '../../../src-main/protocol/upload-presign'
import { decodePolicy, postPolicySignature } from '../../support/s3-post-server'
import { makePng } from '../../fixtures/attachment-files'
import { IDENTITY, OTHER_IDENTITY, OTHER_POOL, POOL, invocationContext as context } from './lambda-callers'

const BUCKET = 'sd-test-uploads-0001'
const CREDENTIALS = { accessKeyId: 'ASIAPRESIGNTEST', secretAccessKey: 'presign-secret', sessionToken: 'role-session' }

function lambda() {
  const logs: Array<Record<string, unknown>> = []
  const handler = createUploadPresignHandler({
    s3: new S3Client({ region: 'eu-west-1', credentials: CREDENTIALS }),
    bucket: BUCKET,
    identityPoolId: POOL,
    log: (event, fields) => logs.push({ event, ...fields }),
  })
  return { handler, logs }
}

async function pngRequest() {
  const bytes = await makePng(320, 200)
  return {
    bytes,
    request: { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, contentType: 'image/png' },
  }
}

function issued(result: UploadPresignResult) {
  if (!result.ok) throw new Error(`refused: ${result.error}`)
  return result
}

describe('upload-presign Lambda', () => {
  it("signs a POST for exactly the caller's key, whatever the event names, with every condition S3 must check", async () => {
    const { bytes, request } = await pngRequest()
    const forged = { ...request, identityId: OTHER_IDENTITY, key: `uploads/${OTHER_IDENTITY}/${request.sha256}` }
    const before = Date.now()
    const post = issued(await lambda().handler(forged, context()))

    const key = `uploads/${IDENTITY}/${request.sha256}`
    expect(post.key).toBe(key)
    expect(post.url).toBe(`https://${BUCKET}.s3.eu-west-1.amazonaws.com/`)
    const policy = decodePolicy(post.fields['Policy']!)
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', bytes.length, bytes.length],
        { key },
        { bucket: BUCKET },
        { 'Content-Type': 'image/png' },
        { 'x-amz-server-side-encryption': 'AES256' },
        { 'x-amz-checksum-algorithm': 'SHA256' },
        { 'x-amz-checksum-sha256': createHash('sha256').update(bytes).digest('base64') },
        { 'X-Amz-Security-Token': 'role-session' },
      ]),
    )
    // Nothing under another prefix, no starts-with that would let the key vary.
    expect(JSON.stringify(policy)).not.toContain(OTHER_IDENTITY)
    expect(policy.conditions.some((c) => Array.isArray(c) && c[0] === 'starts-with')).toBe(false)
    // Every field of the form is bound by an exact-match condition (S3 refuses fields the policy does not name).
    for (const [name, value] of Object.entries(post.fields))
      if (name !== 'Policy' && name !== 'X-Amz-Signature') expect(policy.conditions).toContainEqual({ [name]: value })

    const expires = Date.parse(policy.expiration)
    expect(expires).toBeGreaterThan(before)
    expect(expires).toBeLessThanOrEqual(Date.now() + 5 * 60_000)
    expect(expires - before).toBeGreaterThanOrEqual(PRESIGNED_POST_SECONDS * 1000 - 2_000)

    // Signed with the function's own credentials.
    const credential = post.fields['X-Amz-Credential']!
    expect(credential).toMatch(/^ASIAPRESIGNTEST\/\d{8}\/eu-west-1\/s3\/aws4_request$/)
    expect(post.fields['X-Amz-Signature']).toBe(
      postPolicySignature(post.fields['Policy']!, CREDENTIALS.secretAccessKey, credential),
    )
  })

  it.each([
    ['size 0', { size: 0 }, 'empty'],
    ['a size over the per-object limit the chat Lambda reads', { size: MAX_UPLOAD_BYTES + 1 }, 'too-large'],
    ['a fractional size', { size: 10.5 }, 'invalid-request'],
    ['a size as text', { size: '100' }, 'invalid-request'],
    ['a SHA-256 in base64', { sha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=' }, 'invalid-sha256'],
    ['a SHA-256 of 63 hex digits', { sha256: 'a'.repeat(63) }, 'invalid-sha256'],
    ['a SHA-256 with a path in it', { sha256: `../${'a'.repeat(61)}` }, 'invalid-sha256'],
    ['uppercase hex', { sha256: 'A'.repeat(64) }, 'invalid-sha256'],
    ['an executable type', { contentType: 'application/x-msdownload' }, 'unsupported-type'],
    ['HTML', { contentType: 'text/html' }, 'unsupported-type'],
  ])('refuses %s, signing nothing', async (_what, change, error) => {
    const { request } = await pngRequest()
    const { handler, logs } = lambda()
    const result = await handler({ ...request, ...change }, context())
    expect(result).toMatchObject({ ok: false, error })
    expect(JSON.stringify(result)).not.toContain('X-Amz-Signature')
    expect(logs).toEqual([expect.objectContaining({ event: 'presign-refused', identityId: IDENTITY, error })])
  })

  it('accepts the largest allowed size and binds the range to it exactly', async () => {
    const { request } = await pngRequest()
    const post = issued(await lambda().handler({ ...request, size: MAX_UPLOAD_BYTES }, context()))
    expect(decodePolicy(post.fields['Policy']!).conditions).toContainEqual([
      'content-length-range',
      MAX_UPLOAD_BYTES,
      MAX_UPLOAD_BYTES,
    ])
  })

  it.each([
    ['no Cognito identity', null],
    ['another identity pool', { cognitoIdentityId: IDENTITY, cognitoIdentityPoolId: OTHER_POOL }],
  ])('refuses a caller with %s', async (_what, identity) => {
    const { request } = await pngRequest()
    await expect(lambda().handler(request, context(identity))).resolves.toMatchObject({
      ok: false,
      error: 'no-identity',
    })
  })

  it('refuses an event that is not an object', async () => {
    for (const event of [null, 'text', [1, 2]])
      await expect(lambda().handler(event, context())).resolves.toMatchObject({ ok: false, error: 'invalid-request' })
  })

  it('takes the bucket and the pool from the environment the stack sets', () => {
    expect(() => uploadPresignDepsFromEnv({})).toThrow('STREAMDESK_UPLOAD_BUCKET')
    const deps = uploadPresignDepsFromEnv({ STREAMDESK_UPLOAD_BUCKET: BUCKET, STREAMDESK_IDENTITY_POOL_ID: POOL })
    expect(deps).toMatchObject({ bucket: BUCKET, identityPoolId: POOL })
  })
})
