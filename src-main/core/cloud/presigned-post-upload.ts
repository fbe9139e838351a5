/**
 * Uploads through the stack's upload-presign Lambda: the app invokes it with the user's own credentials (as it
 * invokes the chat Lambda), naming the object's SHA-256, size and content type; the Lambda answers with a POST
 * form for exactly `uploads/<caller>/<sha256>` whose signed policy S3 checks before it stores anything (exact size,
 * key, type, encryption, checksum). The app then POSTs the form (its fields first, the file last) to the bucket.
 *
 * The POST goes out with node:http(s) rather than fetch so that it takes the corporate proxy's agent like every
 * other request of cloud mode (fetch ignores Node agents); FormData still encodes the multipart body.
 */
import http from 'node:http'
import https from 'node:https'
import type { Agent } from 'node:http'
import type { LambdaClient } from '@aws-sdk/client-lambda'
import { MAX_UPLOAD_BYTES } from '../../protocol/upload-keys'
import {
  UploadPresignResultSchema,
  type UploadPresignRequest,
  type UploadPresignRefusal,
} from '../../protocol/upload-presign'
import { awsErrorName } from './aws-errors'
import { describeInvokeError, invokeWithJson } from './lambda-errors'
import { describeS3Error, describeS3Refusal } from './s3-refusals'
import { UploadFailure, type UploadObject, type UploadTransport } from './upload-transport'
import { parseLambdaPayload } from './lambda-payload'

export interface PresignedPostUploadOptions {
  lambda: Pick<LambdaClient, 'send'>
  /** The stack's upload-presign function (CloudConfig `uploadPresignFunctionName`). */
  functionName: string
  /** The proxy's agent for the POST to S3; none for a direct connection. */
  agent?: Agent | undefined
}

/** A POST of at most 4.5 MB that has not finished in this long is given up (S3's error body is tiny). */
const POST_TIMEOUT_MS = 120_000
/** How much of S3's answer is read: its XML error body is well under this. */
const MAX_ANSWER_BYTES = 16_384

interface PresignedForm {
  url: string
  fields: Record<string, string>
}

export class PresignedPostUpload implements UploadTransport {
  constructor(private readonly options: PresignedPostUploadOptions) {}

  async upload(object: UploadObject): Promise<void> {
    const form = await this.presign(object)
    await this.post(form, object)
  }

  private async presign({ key, sha256, bytes, contentType }: UploadObject): Promise<PresignedForm> {
    const { lambda, functionName } = this.options
    const request: UploadPresignRequest = {
      sha256,
      size: bytes.length,
      contentType: contentType as UploadPresignRequest['contentType'],
    }
    let result: Awaited<ReturnType<typeof invokeWithJson>>
    try {
      result = await invokeWithJson(lambda, functionName, request)
    } catch (error) {
      throw new UploadFailure(describeInvokeError(error, functionName), { cause: error })
    }
    const answer = UploadPresignResultSchema.safeParse(parseLambdaPayload(result.Payload))
    if (result.FunctionError !== undefined || !answer.success) {
      throw new UploadFailure("the cloud backend's upload function failed. Try again later.")
    }
    if (!answer.data.ok) throw new UploadFailure(describePresignRefusal(answer.data.error, contentType))
    // The Lambda names the key from the caller's identity; another key means another identity than this sign-in.
    if (answer.data.key !== key || answer.data.fields['key'] !== key) {
      throw new UploadFailure('the cloud backend signed the upload for another identity. Sign out and sign in again.')
    }
    return answer.data
  }

  private async post({ url, fields }: PresignedForm, { sha256, bytes, contentType }: UploadObject): Promise<void> {
    const form = new FormData()
    for (const [name, value] of Object.entries(fields)) form.append(name, value)
    // Last: S3 ignores every field after the file.
    form.append('file', new Blob([new Uint8Array(bytes)], { type: contentType }), sha256)
    let answer: { status: number; body: string }
    try {
      answer = await postForm(new URL(url), form, this.options.agent)
    } catch (error) {
      throw new UploadFailure(describeS3Error(error, awsErrorName(error)), { cause: error })
    }
    if (answer.status >= 200 && answer.status < 300) return
    throw new UploadFailure(describeS3Refusal(s3ErrorCode(answer.body) ?? `HTTP ${answer.status}`))
  }
}

/** The presign Lambda's refusal in the app's words (its detail is for developers, and in English only). */
export function describePresignRefusal(error: UploadPresignRefusal | string, contentType: string): string {
  switch (error) {
    case 'too-large':
      return `it is larger than the cloud accepts (${MAX_UPLOAD_BYTES / 1_000_000} MB per file).`
    case 'empty':
      return 'it is empty.'
    case 'unsupported-type':
      return `the cloud does not accept files of type ${contentType.slice(0, 60)}.`
    case 'no-identity':
      return 'this account may not upload attachments (no-identity). Sign out and sign in again.'
    case 'signing-failed':
      return 'the cloud backend could not sign the upload. Try again later.'
    default:
      return `the cloud backend refused the upload (${/^[a-z0-9-]{1,40}$/.test(error) ? error : 'unknown'}). Update the app and redeploy the backend so that both are of one release.`
  }
}

/** S3's error code from its XML error body (`<Error><Code>EntityTooLarge</Code>…`), when it has one. */
export function s3ErrorCode(body: string): string | undefined {
  return /<Code>([A-Za-z0-9]{1,64})<\/Code>/.exec(body)?.[1]
}

/** POSTs the multipart form; S3's status and the start of its answer. */
async function postForm(url: URL, form: FormData, agent: Agent | undefined): Promise<{ status: number; body: string }> {
  const encoded = new Response(form)
  const body = Buffer.from(await encoded.arrayBuffer())
  const send = url.protocol === 'https:' ? https.request : http.request
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        ...(agent ? { agent } : {}),
        headers: { 'content-type': encoded.headers.get('content-type') ?? '', 'content-length': body.length },
        timeout: POST_TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = []
        let read = 0
        response.on('data', (chunk: Buffer) => {
          if (read < MAX_ANSWER_BYTES) chunks.push(chunk)
          read += chunk.length
        })
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        )
        response.on('error', reject)
      },
    )
    request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })))
    request.on('error', reject)
    request.end(body)
  })
}
