/**
 * Cloud attachments through presigned POSTs (issue 18): the app invokes the stack's upload-presign Lambda with the
 * user's credentials, then POSTs the signed form to S3. Lambda is mocked at the SDK edge, and the mock runs the real
 * presign handler (the caller in its context, as Lambda would report it); S3's POST endpoint is a local stand-in
 * that parses the multipart form and enforces the signed policy as S3 does (tests/support/s3-post-server.ts), so an
 * upload that does not match what was declared is refused with S3's own error body.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { InvokeCommand, LambdaClient, type InvokeCommandInput } from '@aws-sdk/client-lambda'
import { S3Client } from '@aws-sdk/client-s3'
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde'
import type { ChatRequest } from '../../../src-main/backend/chat-handler'
import type { InvocationContext } from '../../../src-main/backend/lambda/caller-identity'
import { createUploadPresignHandler } from '../../../src-main/backend/lambda/upload-presign-lambda'
import { AttachmentCatalog, wireAttachment } from '../../../src-main/core/attachments/attachment-catalog'
import { AttachmentStore } from '../../../src-main/core/attachments/attachment-store'
import { AttachmentUploader } from '../../../src-main/core/cloud/attachment-uploader'
import { LambdaChatBackend } from '../../../src-main/core/cloud/lambda-chat-backend'
import { PresignedPostUpload, s3ErrorCode } from '../../../src-main/core/cloud/presigned-post-upload'
import { MAX_UPLOAD_BYTES, uploadKey } from '../../../src-main/protocol/upload-keys'
import type { UploadPresignResult } from '../../../src-main/protocol/upload-presign'
import type { AttachmentRef } from '../../../src-main/shared/attachment'
import { makePdf, makePng } from '../../fixtures/attachment-files'
import { ManualClock } from '../../support/manual-clock'
import { startS3PostServer, type S3PostServer } from '../../support/s3-post-server'
import { makeTempDir } from '../../support/temp-dir'
import { awsError, CLOUD_CONFIG, erroredColumnsOfAttachedPrompt, IDENTITY_ID } from './cloud-fixtures'

const lambda = mockClient(LambdaClient)
const BUCKET = 'streamdesk-uploads-0001'
const PRESIGN_FUNCTION = 'streamdesk-upload-presign'
/** The presign function's role credentials, which the S3 stand-in knows (as S3 knows the role's). */
const ROLE = { accessKeyId: 'ASIAPRESIGNROLE', secretAccessKey: 'role-secret', sessionToken: 'role-session' }
const OTHER_IDENTITY = 'us-east-1:99999999-aaaa-bbbb-cccc-dddddddddddd'

let s3: S3PostServer
let s3Now = Date.now()
let store: AttachmentStore
let catalog: AttachmentCatalog
let clock: ManualClock
let image: AttachmentRef
let pdf: AttachmentRef

beforeAll(async () => {
  s3 = await startS3PostServer({
    bucket: BUCKET,
    secrets: { [ROLE.accessKeyId]: ROLE.secretAccessKey },
    now: () => s3Now,
  })
  // Prepared once (image and PDF preparation are the slow part); each test's uploader is a new session.
  store = new AttachmentStore(join(await makeTempDir('cloud-presigned-uploads'), 'attachments'))
  catalog = new AttachmentCatalog(store)
  image = await catalog.add('chart.png', await makePng(800, 400))
  pdf = await catalog.add('invoice.pdf', await makePdf(['Invoice total: 42 EUR']))
}, 60_000)
afterAll(() => s3.close())

/** The deployed presign function, as Lambda would run it for `identityId`; the event may be altered on its way. */
function presignAs(identityId: string, alter: (event: Record<string, unknown>) => Record<string, unknown> = (e) => e) {
  const handler = createUploadPresignHandler({
    s3: new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: ROLE }),
    bucket: BUCKET,
    identityPoolId: CLOUD_CONFIG.identityPoolId,
    log: () => {},
  })
  const context: InvocationContext = {
    awsRequestId: 'request-1',
    identity: { cognitoIdentityId: identityId, cognitoIdentityPoolId: CLOUD_CONFIG.identityPoolId },
  }
  return async (input: InvokeCommandInput) => {
    const event = JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) as Record<string, unknown>
    const result: UploadPresignResult = await handler(alter(event), context)
    return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(result)) }
  }
}

beforeEach(() => {
  lambda.reset()
  s3.objects.clear()
  s3.refusals.length = 0
  s3Now = Date.now()
  lambda.on(InvokeCommand, { FunctionName: PRESIGN_FUNCTION }).callsFake(presignAs(IDENTITY_ID))
  lambda.on(InvokeCommand, { FunctionName: CLOUD_CONFIG.chatFunctionName }).resolves({ StatusCode: 202 })
  clock = new ManualClock()
})

function backend(): LambdaChatBackend {
  const client = new LambdaClient({ region: 'us-east-1' })
  return new LambdaChatBackend({
    lambda: client,
    functionName: CLOUD_CONFIG.chatFunctionName,
    topicPrefix: CLOUD_CONFIG.topicPrefix,
    identityId: IDENTITY_ID,
    session: { publish: async () => {} },
    uploader: new AttachmentUploader({
      transport: new PresignedPostUpload({ lambda: client, functionName: PRESIGN_FUNCTION }),
      identityId: IDENTITY_ID,
      read: (id) => store.read(id),
      clock,
    }),
  })
}

const request = (refs: AttachmentRef[], streamId = 'stream-1'): ChatRequest => ({
  userId: IDENTITY_ID,
  streamId,
  models: ['claude', 'gpt'].map((modelId) => ({
    modelId,
    messages: [{ role: 'user' as const, content: 'Compare these', attachments: refs.map(wireAttachment) }],
  })),
})

const presignEvents = () =>
  lambda
    .commandCalls(InvokeCommand, { FunctionName: PRESIGN_FUNCTION })
    .map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)) as unknown)
const chatInvokes = () => lambda.commandCalls(InvokeCommand, { FunctionName: CLOUD_CONFIG.chatFunctionName })
async function storedBytes(id: string): Promise<Buffer> {
  const read = await store.read(id)
  if (read.status !== 'ok') throw new Error(`stored ${id} is ${read.status}`)
  return Buffer.from(read.bytes)
}

/** A presigned form for `bytes` as the deployed function gives it to IDENTITY_ID. */
async function signedForm(bytes: Buffer, contentType = 'image/png') {
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  const answer = await presignAs(IDENTITY_ID)({
    Payload: new TextEncoder().encode(JSON.stringify({ sha256, size: bytes.length, contentType })),
  } as InvokeCommandInput)
  const result = JSON.parse(new TextDecoder().decode(answer.Payload)) as Extract<UploadPresignResult, { ok: true }>
  return { ...result, sha256 }
}

/** POSTs a form the way a user holding a signed form could, bypassing the app. */
async function postDirectly(url: string, fields: Record<string, string>, file: Buffer) {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  form.append('file', new Blob([new Uint8Array(file)]), 'file')
  const response = await fetch(url, { method: 'POST', body: form })
  return { status: response.status, body: await response.text() }
}

describe('cloud attachment uploads through presigned POSTs', () => {
  it("presigns each object with the user's credentials and POSTs it under the user's own key, then invokes with keys", async () => {
    await backend().start(request([image, pdf]))

    const imageBytes = await storedBytes(image.id)
    const pdfBytes = await storedBytes(pdf.id)
    const textBytes = await storedBytes(pdf.textId!)
    // The presign requests name the hash, size and type: never an identity or a key.
    expect(presignEvents()).toEqual(
      expect.arrayContaining([
        { sha256: image.id, size: imageBytes.length, contentType: 'image/png' },
        { sha256: pdf.id, size: pdfBytes.length, contentType: 'application/pdf' },
        { sha256: pdf.textId, size: textBytes.length, contentType: 'text/plain; charset=utf-8' },
      ]),
    )
    expect(presignEvents()).toHaveLength(3)
    // S3 (the stand-in, which checked the signature and every condition) stored the exact bytes at the user's keys.
    expect([...s3.objects.keys()].sort()).toEqual(
      [image.id, pdf.id, pdf.textId!].map((id) => uploadKey(IDENTITY_ID, id)).sort(),
    )
    const stored = s3.objects.get(uploadKey(IDENTITY_ID, image.id))!
    expect(stored.bytes.equals(imageBytes)).toBe(true)
    expect(stored.fields).toMatchObject({
      'content-type': 'image/png',
      'x-amz-server-side-encryption': 'AES256',
      'x-amz-checksum-sha256': createHash('sha256').update(imageBytes).digest('base64'),
    })
    expect(s3.refusals).toEqual([])

    const [chat] = chatInvokes()
    const event = JSON.parse(new TextDecoder().decode(chat!.args[0].input.Payload as Uint8Array)) as ChatRequest
    expect(event.models[0]!.messages[0]!.attachments!.map((a) => a.objectKey)).toEqual([
      uploadKey(IDENTITY_ID, image.id),
      uploadKey(IDENTITY_ID, pdf.id),
    ])
  })

  it('uploads once per session: the same file in a second prompt is neither presigned nor posted again', async () => {
    const session = backend()
    await session.start(request([image]))
    await session.start(request([image], 'stream-2'))
    expect(presignEvents()).toHaveLength(1)
    expect(chatInvokes()).toHaveLength(2)
  })

  it("fails the prompt with S3's EntityTooLarge when the file is larger than the size the policy was signed for", async () => {
    // The function signs for one byte less than the app sends: S3 checks the form's file against the policy.
    lambda
      .on(InvokeCommand, { FunctionName: PRESIGN_FUNCTION })
      .callsFake(presignAs(IDENTITY_ID, (event) => ({ ...event, size: (event['size'] as number) - 1 })))
    await expect(backend().start(request([image]))).rejects.toThrow(
      'Could not upload "chart.png" to the cloud: Amazon S3 refused it as larger than the upload allows (EntityTooLarge).',
    )
    expect(s3.refusals).toEqual(['EntityTooLarge'])
    expect(s3.objects.size).toBe(0)
    expect(chatInvokes()).toHaveLength(0)
  })

  it('refuses, at S3, a signed form posted with more bytes than declared, another key or after it expired', async () => {
    const bytes = await makePng(64, 64)
    const { url, fields, key } = await signedForm(bytes)
    expect(key).toBe(uploadKey(IDENTITY_ID, createHash('sha256').update(bytes).digest('hex')))

    const larger = await postDirectly(url, fields, Buffer.concat([bytes, Buffer.alloc(1)]))
    expect(larger.status).toBe(400)
    expect(s3ErrorCode(larger.body)).toBe('EntityTooLarge')
    expect(larger.body).toContain(`<ProposedSize>${bytes.length + 1}</ProposedSize>`)
    expect(larger.body).toContain(`<MaxSizeAllowed>${bytes.length}</MaxSizeAllowed>`)

    const elsewhere = await postDirectly(url, { ...fields, key: `uploads/${OTHER_IDENTITY}/${'a'.repeat(64)}` }, bytes)
    expect(elsewhere.status).toBe(403)
    expect(elsewhere.body).toContain('Policy Condition failed')

    const extra = await postDirectly(url, { ...fields, 'x-amz-meta-note': 'hi' }, bytes)
    expect(extra.status).toBe(403)
    expect(extra.body).toContain('Extra input fields: x-amz-meta-note')

    const otherBytes = Buffer.from(bytes)
    otherBytes[otherBytes.length - 1]! ^= 0xff
    const damaged = await postDirectly(url, fields, otherBytes)
    expect(s3ErrorCode(damaged.body)).toBe('BadDigest')

    s3Now = Date.now() + 5 * 60_000 + 1
    const late = await postDirectly(url, fields, bytes)
    expect(late.status).toBe(403)
    expect(late.body).toContain('Policy expired')
    expect(s3.objects.size).toBe(0)

    s3Now = Date.now()
    expect((await postDirectly(url, fields, bytes)).status).toBe(204)
    expect(s3.objects.get(key)!.bytes.equals(bytes)).toBe(true)
  })

  it("words the presign function's refusals after the file's name, and uploads nothing", async () => {
    // The app never declares these (it skips empty and oversized files); the function's refusal is shown all the same.
    lambda
      .on(InvokeCommand, { FunctionName: PRESIGN_FUNCTION })
      .callsFake(presignAs(IDENTITY_ID, (event) => ({ ...event, size: 0 })))
    await expect(backend().start(request([image]))).rejects.toThrow(
      'Could not upload "chart.png" to the cloud: it is empty.',
    )
    lambda
      .on(InvokeCommand, { FunctionName: PRESIGN_FUNCTION })
      .callsFake(presignAs(IDENTITY_ID, (event) => ({ ...event, size: MAX_UPLOAD_BYTES + 1 })))
    await expect(backend().start(request([image], 'stream-2'))).rejects.toThrow(
      'Could not upload "chart.png" to the cloud: it is larger than the cloud accepts (4.5 MB per file).',
    )
    lambda
      .on(InvokeCommand, { FunctionName: PRESIGN_FUNCTION })
      .callsFake(presignAs(IDENTITY_ID, (event) => ({ ...event, sha256: 'not-a-hash' })))
    await expect(backend().start(request([image], 'stream-3'))).rejects.toThrow(
      'Could not upload "chart.png" to the cloud: the cloud backend refused the upload (invalid-sha256).',
    )
    expect(s3.objects.size).toBe(0)
    expect(chatInvokes()).toHaveLength(0)
  })

  it('refuses a form signed for another identity, and reports a failed or unreachable function plainly', async () => {
    lambda.on(InvokeCommand, { FunctionName: PRESIGN_FUNCTION }).callsFake(presignAs(OTHER_IDENTITY))
    await expect(backend().start(request([image]))).rejects.toThrow(
      'Could not upload "chart.png" to the cloud: the cloud backend signed the upload for another identity.',
    )
    lambda.on(InvokeCommand, { FunctionName: PRESIGN_FUNCTION }).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: Uint8ArrayBlobAdapter.fromString('{"errorType":"Error","errorMessage":"boom"}'),
    })
    await expect(backend().start(request([image], 'stream-2'))).rejects.toThrow(
      'Could not upload "chart.png" to the cloud: the cloud backend\'s upload function failed. Try again later.',
    )
    lambda.on(InvokeCommand, { FunctionName: PRESIGN_FUNCTION }).rejects(awsError('ResourceNotFoundException'))
    await expect(backend().start(request([image], 'stream-3'))).rejects.toThrow(
      `Could not upload "chart.png" to the cloud: The cloud function ${PRESIGN_FUNCTION} does not exist.`,
    )
    expect(s3.objects.size).toBe(0)
    expect(chatInvokes()).toHaveLength(0)
  })

  it('says S3 cannot be reached when the POST finds nobody', async () => {
    const gone = await startS3PostServer({ bucket: BUCKET, secrets: {} })
    await gone.close()
    lambda.on(InvokeCommand, { FunctionName: PRESIGN_FUNCTION }).callsFake(async (input: InvokeCommandInput) => {
      const answer = await presignAs(IDENTITY_ID)(input)
      const result = JSON.parse(new TextDecoder().decode(answer.Payload)) as { url: string }
      result.url = result.url.replace(s3.endpoint, gone.endpoint)
      return { ...answer, Payload: new TextEncoder().encode(JSON.stringify(result)) }
    })
    await expect(backend().start(request([image]))).rejects.toThrow(
      'Could not upload "chart.png" to the cloud: Amazon S3 cannot be reached.',
    )
  })

  it("shows S3's refusal as an error in every column of the prompt", async () => {
    lambda
      .on(InvokeCommand, { FunctionName: PRESIGN_FUNCTION })
      .callsFake(presignAs(IDENTITY_ID, (event) => ({ ...event, size: (event['size'] as number) - 1 })))
    const ends = await erroredColumnsOfAttachedPrompt({ backend: backend(), catalog, clock, attachmentId: image.id })
    expect(ends.map((update) => update.modelId).sort()).toEqual(['claude', 'gpt'])
    for (const end of ends)
      expect(end.error?.message).toContain(
        'Could not upload "chart.png" to the cloud: Amazon S3 refused it as larger than the upload allows (EntityTooLarge).',
      )
    expect(chatInvokes()).toHaveLength(0)
  })
})
