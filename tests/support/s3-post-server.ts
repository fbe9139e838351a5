/**
 * A stand-in for Amazon S3's browser POST endpoint (path style: `POST /<bucket>`), which checks the form the way the
 * S3 documentation says S3 does, before it stores anything:
 *
 * - the fields after the file are ignored (S3 reads the file as the last field);
 * - the policy's SigV4 signature, with the secret key of the credentials it names (the test gives the secrets);
 * - the policy's expiration;
 * - every condition: exact matches (`{ "field": "value" }`, `["eq", "$field", "value"]`), `starts-with`, and
 *   `content-length-range` against the file's real size; `bucket` against the URL's bucket;
 * - every form field other than the file, the policy, the signature and `x-ignore-*` is named by a condition;
 * - `x-amz-checksum-sha256` against the file's SHA-256.
 *
 * Refusals carry S3's XML error bodies, from tests/fixtures/aws-recorded/s3/ (sources in its README) where one was
 * recorded; the others in the documented `<Error><Code>…<Message>…` form. Success is 204 No Content, S3's default.
 * Sources: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html (conditions, the
 * extra-fields rule), https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html (the
 * signature is an HMAC of the base64 policy with the SigV4 signing key),
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html (file last, 204).
 */
import { createHash, createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { startLoopbackServer } from './loopback-server'

export interface StoredObject {
  bytes: Buffer
  /** The form's fields as S3 would keep them (Content-Type, encryption, checksum). */
  fields: Record<string, string>
}

export interface S3PostServer {
  /** The bucket's endpoint as an S3 client with `forcePathStyle` names it: `http://127.0.0.1:<port>`. */
  endpoint: string
  objects: Map<string, StoredObject>
  /** Every refusal's code, in order. */
  refusals: string[]
  close(): Promise<void>
}

export type PolicyCondition = Record<string, string> | [string, string | number, string | number]
export interface PostPolicy {
  expiration: string
  conditions: PolicyCondition[]
}

/** The policy document a presigned POST's base64 `Policy` field carries. */
export function decodePolicy(base64: string): PostPolicy {
  return JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as PostPolicy
}

/** SigV4's signature of a POST policy: HMAC-SHA256 of the base64 policy with the key derived for date and region. */
export function postPolicySignature(policyBase64: string, secretAccessKey: string, credential: string): string {
  const [, date, region, service] = credential.split('/')
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest()
  let key = hmac(`AWS4${secretAccessKey}`, date!)
  for (const part of [region!, service!, 'aws4_request']) key = hmac(key, part)
  return createHmac('sha256', key).update(policyBase64).digest('hex')
}

const RECORDED = path.join(import.meta.dirname, '..', 'fixtures', 'aws-recorded', 's3')
const recordedBody = (name: string) =>
  (JSON.parse(readFileSync(path.join(RECORDED, name), 'utf8')) as { body: string }).body

/** Form fields no condition needs to name. */
const UNCONDITIONED = new Set(['file', 'policy', 'x-amz-signature'])

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly body: string,
  ) {
    super(code)
  }
}

const errorBody = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>STANDIN0000000001</RequestId><HostId>stand-in</HostId></Error>`
const accessDenied = (message: string) => new Refusal(403, 'AccessDenied', errorBody('AccessDenied', message))

export async function startS3PostServer(options: {
  bucket: string
  /** Secret keys by access key id: the credentials allowed to sign. */
  secrets: Record<string, string>
  now?: () => number
}): Promise<S3PostServer> {
  const now = options.now ?? Date.now
  const objects = new Map<string, StoredObject>()
  const refusals: string[] = []

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    try {
      if (req.method !== 'POST' || req.url !== `/${options.bucket}`)
        throw new Refusal(404, 'NoSuchBucket', errorBody('NoSuchBucket', 'The specified bucket does not exist'))
      const form = await new Request('http://s3.local/', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body,
      }).formData()
      const { key, fields, file } = await check(form)
      objects.set(key, { bytes: file, fields })
      res.writeHead(204).end()
    } catch (error) {
      if (!(error instanceof Refusal)) throw error
      refusals.push(error.code)
      res.writeHead(error.status, { 'content-type': 'application/xml' }).end(error.body)
    }
  }

  async function check(form: FormData): Promise<{ key: string; fields: Record<string, string>; file: Buffer }> {
    const fields: Record<string, string> = {}
    let file: Blob | undefined
    form.forEach((value, name) => {
      if (file !== undefined) return // S3 ignores what follows the file
      if (name === 'file' && value instanceof Blob) file = value
      else fields[name.toLowerCase()] = String(value)
    })
    if (file === undefined)
      throw new Refusal(
        400,
        'InvalidArgument',
        errorBody('InvalidArgument', 'POST requires exactly one file upload per request.'),
      )
    const { key } = checkFields(fields)
    const bytes = Buffer.from(await file.arrayBuffer())
    checkFile(fields['policy']!, fields, bytes)
    return { key, fields, file: bytes }
  }

  function checkFields(fields: Record<string, string>): { key: string; fields: Record<string, string> } {
    const policyBase64 = fields['policy']
    const credential = fields['x-amz-credential']
    const signature = fields['x-amz-signature']
    if (!policyBase64 || !credential || !signature)
      throw accessDenied('Invalid according to Policy: Policy is missing or not signed')
    const secret = options.secrets[credential.split('/')[0]!]
    if (secret === undefined)
      throw new Refusal(
        403,
        'InvalidAccessKeyId',
        errorBody('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'),
      )
    if (postPolicySignature(policyBase64, secret, credential) !== signature)
      throw new Refusal(
        403,
        'SignatureDoesNotMatch',
        errorBody(
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided.',
        ),
      )
    const policy = decodePolicy(policyBase64)
    if (Date.parse(policy.expiration) <= now()) throw accessDenied('Invalid according to Policy: Policy expired.')
    const named = new Set<string>()
    for (const condition of policy.conditions) {
      if (Array.isArray(condition) && condition[0] === 'content-length-range') continue // checked with the file
      const [operator, field, expected] = Array.isArray(condition)
        ? [condition[0], String(condition[1]).replace(/^\$/, '').toLowerCase(), String(condition[2])]
        : ['eq', Object.keys(condition)[0]!.toLowerCase(), Object.values(condition)[0]!]
      named.add(field)
      const actual = field === 'bucket' ? options.bucket : fields[field]
      const holds =
        operator === 'eq'
          ? actual === expected
          : operator === 'starts-with'
            ? actual?.startsWith(expected) === true
            : false
      if (!holds)
        throw accessDenied(
          `Invalid according to Policy: Policy Condition failed: ["${operator}", "$${field}", "${expected}"]`,
        )
    }
    for (const name of Object.keys(fields)) {
      if (UNCONDITIONED.has(name) || name.startsWith('x-ignore-') || named.has(name)) continue
      throw new Refusal(
        403,
        'AccessDenied',
        recordedBody('post-error-extra-input-fields.json').replace('content-md5', name),
      )
    }
    return { key: fields['key']!, fields }
  }

  function checkFile(policyBase64: string, fields: Record<string, string>, file: Buffer): void {
    for (const condition of decodePolicy(policyBase64).conditions) {
      if (!Array.isArray(condition) || condition[0] !== 'content-length-range') continue
      const [, min, max] = condition.map(Number)
      if (file.length > max!)
        throw new Refusal(
          400,
          'EntityTooLarge',
          recordedBody('post-error-entity-too-large.json')
            .replace(/<ProposedSize>\d+/, `<ProposedSize>${file.length}`)
            .replace(/<MaxSizeAllowed>\d+/, `<MaxSizeAllowed>${max}`),
        )
      if (file.length < min!)
        throw new Refusal(
          400,
          'EntityTooSmall',
          errorBody('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size'),
        )
    }
    const checksum = fields['x-amz-checksum-sha256']
    if (checksum !== undefined && checksum !== createHash('sha256').update(file).digest('base64'))
      throw new Refusal(
        400,
        'BadDigest',
        errorBody('BadDigest', 'The SHA256 you specified did not match the calculated checksum.'),
      )
  }

  const server = await startLoopbackServer(handle)
  return { endpoint: server.origin, objects, refusals, close: () => server.close() }
}
