/**
 * Cloud mode's attachment uploads (issue 18): the app puts each prepared attachment in the uploads bucket under the
 * user's own identity prefix, with the user's credentials, before the chat Lambda is invoked; the invocation carries
 * keys, names and media types, never bytes. S3 and Lambda are mocked at the SDK edge; the files are real (a PNG and
 * a PDF with text, prepared by the app's own preparation into a temporary store).
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3'
import type { ChatRequest } from '../../../src-main/backend/chat-handler'
import { AttachmentCatalog, wireAttachment } from '../../../src-main/core/attachments/attachment-catalog'
import { AttachmentStore } from '../../../src-main/core/attachments/attachment-store'
import { AttachmentUploader, REUPLOAD_AFTER_MS } from '../../../src-main/core/cloud/attachment-uploader'
import { PutObjectUpload } from '../../../src-main/core/cloud/put-object-upload'
import { LambdaChatBackend, NO_UPLOADS_BUCKET } from '../../../src-main/core/cloud/lambda-chat-backend'
import { MAX_UPLOAD_BYTES, uploadKey } from '../../../src-main/protocol/upload-keys'
import type { AttachmentRef } from '../../../src-main/shared/attachment'
import { makePdf, makePng } from '../../fixtures/attachment-files'
import { ManualClock } from '../../support/manual-clock'
import { makeTempDir } from '../../support/temp-dir'
import { awsError, CLOUD_CONFIG, erroredColumnsOfAttachedPrompt, IDENTITY_ID } from './cloud-fixtures'

const s3 = mockClient(S3Client)
const lambda = mockClient(LambdaClient)
const BUCKET = 'streamdesk-uploads-0001'

let store: AttachmentStore
let catalog: AttachmentCatalog
let clock: ManualClock
let image: AttachmentRef
let pdf: AttachmentRef

// Prepared once (image and PDF preparation are the slow part, and timed out under load); each backend is a session.
beforeAll(async () => {
  store = new AttachmentStore(join(await makeTempDir('cloud-uploads'), 'attachments'))
  catalog = new AttachmentCatalog(store)
  image = await catalog.add('chart.png', await makePng(800, 400))
  pdf = await catalog.add('invoice.pdf', await makePdf(['Invoice total: 42 EUR']))
}, 60_000)

beforeEach(() => {
  s3.reset()
  lambda.reset()
  s3.on(PutObjectCommand).resolves({})
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 })
  clock = new ManualClock()
})

function backend(withUploader = true): LambdaChatBackend {
  return new LambdaChatBackend({
    lambda: new LambdaClient({ region: 'us-east-1' }),
    functionName: CLOUD_CONFIG.chatFunctionName,
    topicPrefix: CLOUD_CONFIG.topicPrefix,
    identityId: IDENTITY_ID,
    session: { publish: async () => {} },
    uploader: withUploader
      ? new AttachmentUploader({
          transport: new PutObjectUpload({ s3: new S3Client({ region: 'us-east-1' }), bucket: BUCKET }),
          identityId: IDENTITY_ID,
          read: (id) => store.read(id),
          clock,
        })
      : undefined,
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

const puts = (): PutObjectCommandInput[] => s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input)
const invokedEvents = () =>
  lambda
    .commandCalls(InvokeCommand)
    .map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)) as ChatRequest)
const sha256Base64 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64')
async function storedBytes(id: string): Promise<Uint8Array> {
  const read = await store.read(id)
  if (read.status !== 'ok') throw new Error(`stored ${id} is ${read.status}`)
  return read.bytes
}

describe('cloud attachment uploads', () => {
  it("puts each prepared file once under the user's own prefix, checksummed, then invokes with keys and no bytes", async () => {
    await backend().start(request([image, pdf]))

    const imageBytes = await storedBytes(image.id)
    const pdfBytes = await storedBytes(pdf.id)
    const textBytes = await storedBytes(pdf.textId!)
    // Two models name the same files: three objects (the image, the PDF and its text), each put once.
    expect(puts().sort((a, b) => a.Key!.localeCompare(b.Key!))).toEqual(
      [
        { id: image.id, bytes: imageBytes, type: 'image/png' },
        { id: pdf.id, bytes: pdfBytes, type: 'application/pdf' },
        { id: pdf.textId!, bytes: textBytes, type: 'text/plain; charset=utf-8' },
      ]
        .map(({ id, bytes, type }) => ({
          Bucket: BUCKET,
          Key: `uploads/${IDENTITY_ID}/${id}`,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: type,
          ChecksumSHA256: sha256Base64(bytes),
        }))
        .sort((a, b) => a.Key.localeCompare(b.Key)),
    )

    const [event] = invokedEvents()
    expect(event!.models.map((m) => m.messages[0]!.attachments)).toEqual([
      [
        {
          id: image.id,
          name: 'chart.png',
          kind: 'image',
          mediaType: 'image/png',
          objectKey: uploadKey(IDENTITY_ID, image.id),
          // Sizes for the spend guard's estimate.
          sizeBytes: imageBytes.length,
        },
        {
          id: pdf.id,
          name: 'invoice.pdf',
          kind: 'pdf',
          mediaType: 'application/pdf',
          textId: pdf.textId,
          objectKey: uploadKey(IDENTITY_ID, pdf.id),
          sizeBytes: pdfBytes.length,
          pages: 1,
        },
      ],
      expect.any(Array),
    ])
    // The invoke payload stays small: keys, not the image's bytes (base64 or otherwise).
    const payload = lambda.commandCalls(InvokeCommand)[0]!.args[0].input.Payload as Uint8Array
    expect(payload.length).toBeLessThan(2_000)
    expect(imageBytes.length).toBeGreaterThan(2_000)
  })

  it('does not upload again what this session uploaded, until the upload is older than the re-upload age', async () => {
    await backend().start(request([image]))
    const uploader = backend()
    await uploader.start(request([image], 'stream-2'))
    await uploader.start(request([image], 'stream-3'))
    expect(puts()).toHaveLength(2) // one per session (each backend is one session)
    clock.advance(REUPLOAD_AFTER_MS + 1)
    await uploader.start(request([image], 'stream-4'))
    expect(puts()).toHaveLength(3)
    expect(invokedEvents()).toHaveLength(4)
  })

  it('sends a PDF larger than any upload may be as its text only (no key for the PDF itself)', async () => {
    const bigPdf = { ...pdf, id: await store.put(new Uint8Array(MAX_UPLOAD_BYTES + 1)) }
    await backend().start(request([bigPdf]))
    expect(puts().map((p) => p.Key)).toEqual([uploadKey(IDENTITY_ID, pdf.textId!)])
    const [event] = invokedEvents()
    expect(event!.models[0]!.messages[0]!.attachments![0]).not.toHaveProperty('objectKey')
  })

  it('fails the prompt with a message naming the file when an upload fails, and invokes nothing', async () => {
    s3.on(PutObjectCommand).rejects(awsError('AccessDenied', 'secret-looking request detail'))
    const started = backend().start(request([image]))
    await expect(started).rejects.toThrow(
      'Could not upload "chart.png" to the cloud: this account may not upload attachments (AccessDenied).',
    )
    await expect(started).rejects.not.toThrow('secret-looking')
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0)
  })

  it('refuses attachments for a stack without an uploads bucket, rather than sending the prompt without them', async () => {
    await expect(backend(false).start(request([image]))).rejects.toThrow(NO_UPLOADS_BUCKET)
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0)
    await backend(false).start(request([]))
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1)
  })

  it('shows a failed upload as an error in every column of the prompt', async () => {
    s3.on(PutObjectCommand).rejects(awsError('NoSuchBucket'))
    const ends = await erroredColumnsOfAttachedPrompt({ backend: backend(), catalog, clock, attachmentId: image.id })
    expect(ends.map((update) => update.modelId).sort()).toEqual(['claude', 'gpt'])
    for (const end of ends)
      expect(end.error?.message).toContain(
        'Could not upload "chart.png" to the cloud: the uploads bucket does not exist. Load the stack outputs again.',
      )
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0)
  })
})
