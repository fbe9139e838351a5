/**
 * Cloud attachments in the chat Lambda (issue 18): the request carries S3 keys, the Lambda reads them from the
 * CALLER's prefix only (identity from the context) and builds Bedrock blocks or OpenAI-compatible data URLs. S3,
 * Bedrock and IoT Core are mocked at the SDK edge; the files are real (a PNG and a PDF with text, prepared by the
 * app's own preparation into a temporary store, whose bytes the fake bucket then serves).
 */
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  type ConverseStreamCommandInput,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime'
import { GetObjectCommand, NoSuchKey, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3'
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { createChatLambdaHandler } from '../../../src-main/backend/lambda/chat-lambda'
import { createCloudModelResolver, type ModelCatalog } from '../../../src-main/backend/cloud-models'
import { toConverseMessages } from '../../../src-main/backend/providers/bedrock-converse'
import { S3AttachmentSource } from '../../../src-main/backend/s3-attachment-source'
import type { MessagePart, WireAttachment } from '../../../src-main/backend/attachment-parts'
import { AttachmentStore } from '../../../src-main/core/attachments/attachment-store'
import { prepareAttachment } from '../../../src-main/core/attachments/prepare-attachment'
import { wireAttachment } from '../../../src-main/core/attachments/attachment-catalog'
import { MAX_UPLOAD_BYTES, uploadKey } from '../../../src-main/protocol/upload-keys'
import type { ChunkMessage } from '../../../src-main/protocol/stream-protocol'
import type { AttachmentRef } from '../../../src-main/shared/attachment'
import { makePdf, makePng } from '../../fixtures/attachment-files'
import { makeTempDir } from '../../support/temp-dir'
import { answerAsIdle } from './idle-iot-data'
import { IDENTITY, OTHER_IDENTITY, invocationContext, POOL } from './lambda-callers'

const bedrock = mockClient(BedrockRuntimeClient)
const iotData = mockClient(IoTDataPlaneClient)
const s3 = mockClient(S3Client)

const BUCKET = 'sd-uploads-0001'
const STREAM = 'stream-1'
const CATALOG: ModelCatalog = [
  { id: 'claude', label: 'Claude', provider: 'bedrock', modelId: 'eu.anthropic.claude-sonnet-4-20250514-v1:0' },
  { id: 'nova', label: 'Nova', provider: 'bedrock', modelId: 'eu.amazon.nova-lite-v1:0' },
  { id: 'gpt', label: 'GPT', provider: 'openai-compatible', baseUrl: 'https://llm.example.com/v1', model: 'gpt-4o' },
]

/** The fake bucket: key → bytes, as the app's uploads left them. */
let bucket: Map<string, Uint8Array>
/** The bodies the Lambda was handed, to see which it read. */
let bodies: Map<string, { read: boolean }>
let openAiBodies: unknown[]
let files: { image: AttachmentRef; pdf: AttachmentRef; text: AttachmentRef; png: Uint8Array; pdfBytes: Uint8Array }

async function* converse(text: string): AsyncGenerator<ConverseStreamOutput> {
  await new Promise((resolve) => setImmediate(resolve))
  yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text } } }
  yield { metadata: { usage: { inputTokens: 9, outputTokens: 2, totalTokens: 11 }, metrics: { latencyMs: 3 } } }
}

/** An S3 object body as the SDK gives it in Node (the parts the Lambda uses), recording whether it was read. */
function body(key: string, bytes: Uint8Array): GetObjectCommandOutput['Body'] {
  const state = { read: false }
  bodies.set(key, state)
  const stream = {
    transformToByteArray: () => {
      state.read = true
      return Promise.resolve(new Uint8Array(bytes))
    },
    destroy: () => {},
  }
  return stream as unknown as GetObjectCommandOutput['Body']
}

/** The app's upload: the stored (prepared) bytes under the caller's prefix, named by their SHA-256. */
async function upload(ref: AttachmentRef, store: AttachmentStore, identity = IDENTITY): Promise<void> {
  for (const id of [ref.id, ...(ref.textId ? [ref.textId] : [])]) {
    const read = await store.read(id)
    if (read.status !== 'ok') throw new Error('prepared file missing')
    bucket.set(uploadKey(identity, id), read.bytes)
  }
}

const keyed = (ref: AttachmentRef, identity = IDENTITY): WireAttachment => ({
  ...wireAttachment(ref),
  objectKey: uploadKey(identity, ref.id),
})

beforeEach(async () => {
  bucket = new Map()
  bodies = new Map()
  openAiBodies = []
  bedrock.reset()
  answerAsIdle(iotData)
  s3.reset()
  s3.on(GetObjectCommand).callsFake(({ Bucket, Key }: { Bucket: string; Key: string }) => {
    const bytes = Bucket === BUCKET ? bucket.get(Key) : undefined
    if (!bytes) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} })
    return { ContentLength: bytes.length, Body: body(Key, bytes) }
  })
  bedrock.on(ConverseStreamCommand).callsFake(() => ({ stream: converse('Seen.') }))

  const store = new AttachmentStore(join(await makeTempDir('cloud-attachments'), 'attachments'))
  const png = await makePng(640, 320)
  const pdfBytes = await makePdf(['Invoice total: 42 EUR'])
  files = {
    image: await prepareAttachment(store, 'chart.png', png),
    pdf: await prepareAttachment(store, 'invoice.pdf', pdfBytes),
    text: await prepareAttachment(store, 'notes.md', Buffer.from('# Notes\nship friday')),
    png,
    pdfBytes,
  }
  for (const ref of [files.image, files.pdf, files.text]) await upload(ref, store)
})

function lambda() {
  const fetch: typeof globalThis.fetch = async (_url, init) => {
    openAiBodies.push(JSON.parse(init!.body as string))
    const sse = 'data: {"choices":[{"index":0,"delta":{"content":"Seen."}}]}\n\ndata: [DONE]\n\n'
    return new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } })
  }
  return createChatLambdaHandler({
    iotData: new IoTDataPlaneClient({ region: 'eu-west-1' }),
    models: createCloudModelResolver({
      catalog: CATALOG,
      bedrock: new BedrockRuntimeClient({ region: 'eu-west-1' }),
      secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
      fetch,
    }),
    topicPrefix: 'sdt',
    identityPoolId: POOL,
    stopPollIntervalMs: 10,
    uploads: { s3: new S3Client({ region: 'eu-west-1' }), bucket: BUCKET },
    log: () => {},
    chat: { coalescing: { windowMs: 5 }, publishing: { retryBaseMs: 1 } },
  })
}

const event = (modelIds: string[], attachments: WireAttachment[], content = 'What do these say?') => ({
  streamId: STREAM,
  models: modelIds.map((modelId) => ({ modelId, messages: [{ role: 'user', content, attachments }] })),
})

const converseInputs = (): ConverseStreamCommandInput[] =>
  bedrock.commandCalls(ConverseStreamCommand).map((call) => call.args[0].input)
const keysRead = () => s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key)
const finals = () =>
  iotData
    .commandCalls(PublishCommand)
    .map((call) => call.args[0].input)
    .filter((input) => !input.retain && input.topic?.endsWith(`/${STREAM}`))
    .map((input) => JSON.parse(Buffer.from(input.payload as Uint8Array).toString('utf8')) as ChunkMessage)
    .filter((message) => message.final !== undefined)

describe('chat Lambda: cloud attachments', () => {
  it("builds Bedrock image, document and text blocks from the caller's own uploads, reading each object once", async () => {
    const { image, pdf, text, png, pdfBytes } = files
    const result = await lambda()(
      event(
        ['claude', 'nova'],
        [image, pdf, text].map((r) => keyed(r)),
      ),
      invocationContext(),
    )

    expect(result).toMatchObject({ ok: true, models: [{ status: 'complete' }, { status: 'complete' }] })
    const expectedContent = [
      { image: { format: 'png', source: { bytes: new Uint8Array(png) } } },
      { document: { format: 'pdf', name: 'invoice', source: { bytes: new Uint8Array(pdfBytes) } } },
      { text: '<file name="notes.md">\n# Notes\nship friday\n</file>' },
      { text: 'What do these say?' },
    ]
    expect(converseInputs().map((input) => input.messages)).toEqual([
      [{ role: 'user', content: expectedContent }],
      [{ role: 'user', content: expectedContent }],
    ])
    // Three objects, each read once for both models, all under the caller's own prefix.
    expect(keysRead().sort()).toEqual([image.id, pdf.id, text.id].map((id) => uploadKey(IDENTITY, id)).sort())
  })

  it('gives an OpenAI-compatible cloud model the image as a data URL and the PDF as its text', async () => {
    const { image, pdf } = files
    await lambda()(event(['gpt'], [keyed(image), keyed(pdf)]), invocationContext())

    expect(openAiBodies).toHaveLength(1)
    const [message] = (openAiBodies[0] as { messages: Array<{ content: unknown }> }).messages
    expect(message!.content).toEqual([
      { type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from(files.png).toString('base64')}` } },
      { type: 'text', text: '<file name="invoice.pdf">\nInvoice total: 42 EUR\n</file>' },
      { type: 'text', text: 'What do these say?' },
    ])
    // The PDF's text, never the PDF itself: read by its id under the caller's prefix.
    expect(keysRead().sort()).toEqual([image.id, pdf.textId!].map((id) => uploadKey(IDENTITY, id)).sort())
  })

  it("refuses a key under another identity's prefix: a clear error in every column, nothing fetched, no model called", async () => {
    bucket.set(uploadKey(OTHER_IDENTITY, files.image.id), files.png)
    const forged = [keyed(files.text), keyed(files.image, OTHER_IDENTITY)]
    const result = await lambda()(event(['claude', 'gpt'], forged), invocationContext())

    expect(result).toMatchObject({
      ok: true,
      models: [
        { modelId: 'claude', status: 'error', error: { code: 'unauthorized' } },
        { modelId: 'gpt', status: 'error', error: { code: 'unauthorized' } },
      ],
    })
    expect(finals().map((m) => m.final)).toEqual([
      expect.objectContaining({ status: 'error', error: expect.objectContaining({ code: 'unauthorized' }) }),
      expect.objectContaining({ status: 'error', error: expect.objectContaining({ code: 'unauthorized' }) }),
    ])
    const message = (result as { models: Array<{ error?: { message: string } }> }).models[0]!.error!.message
    expect(message).toContain('"chart.png" names a cloud upload outside your own uploads')
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0)
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(0)
    expect(openAiBodies).toHaveLength(0)
  })

  it('refuses the whole request when a later turn names a foreign key: not even the earlier turns are read', async () => {
    const messages = [
      { role: 'user', content: 'Look at this', attachments: [keyed(files.image)] },
      { role: 'assistant', content: 'A chart.' },
      { role: 'user', content: 'And this?', attachments: [keyed(files.text, OTHER_IDENTITY)] },
    ]
    const result = await lambda()(
      { streamId: STREAM, models: ['claude', 'gpt'].map((modelId) => ({ modelId, messages })) },
      invocationContext(),
    )
    expect(result).toMatchObject({
      ok: true,
      models: [
        { status: 'error', error: { code: 'unauthorized', message: expect.stringContaining('"notes.md"') as string } },
        { status: 'error', error: { code: 'unauthorized' } },
      ],
    })
    expect(finals()).toHaveLength(2)
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0)
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(0)
    expect(openAiBodies).toHaveLength(0)
  })

  it("refuses a key of the caller's prefix that names another file than the reference's id", async () => {
    const swapped = { ...keyed(files.image), objectKey: uploadKey(IDENTITY, files.text.id) }
    const result = await lambda()(event(['claude'], [swapped]), invocationContext())
    expect(result).toMatchObject({ ok: true, models: [{ status: 'error', error: { code: 'unauthorized' } }] })
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0)
  })

  it('refuses an event whose key is not an upload key at all', async () => {
    const bad = { ...wireAttachment(files.image), objectKey: `uploads/${IDENTITY}/../${OTHER_IDENTITY}/x` }
    const result = await lambda()(event(['claude'], [bad]), invocationContext())
    expect(result).toMatchObject({ ok: false, error: 'invalid-event' })
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0)
  })

  it('tells the model which files are gone, too large (left unread) or damaged, and still answers the text', async () => {
    const { image, pdf, text } = files
    bucket.delete(uploadKey(IDENTITY, image.id))
    bucket.set(uploadKey(IDENTITY, pdf.id), new Uint8Array(MAX_UPLOAD_BYTES + 1))
    bucket.set(uploadKey(IDENTITY, text.id), Buffer.from('# Notes\nship monday'))
    const result = await lambda()(
      event(
        ['claude'],
        [image, pdf, text].map((r) => keyed(r)),
      ),
      invocationContext(),
    )

    expect(result).toMatchObject({ ok: true, models: [{ status: 'complete' }] })
    const [content] = converseInputs().map((input) => input.messages![0]!.content)
    expect(content).toEqual([
      { text: expect.stringMatching(/^<file name="chart.png">\n\[this file is no longer in the cloud upload/) },
      { text: expect.stringMatching(/^<file name="invoice.pdf">\n\[this file is larger than the cloud upload limit/) },
      { text: expect.stringMatching(/^<file name="notes.md">\n\[this file could not be read from the cloud upload/) },
      { text: 'What do these say?' },
    ])
    expect(bodies.get(uploadKey(IDENTITY, pdf.id))).toEqual({ read: false })
  })

  it('sends a PDF the app did not upload whole (no key) to Bedrock as its text', async () => {
    const { pdf } = files
    await lambda()(event(['claude'], [wireAttachment(pdf)]), invocationContext())
    expect(converseInputs()[0]!.messages![0]!.content).toEqual([
      { text: '<file name="invoice.pdf">\nInvoice total: 42 EUR\n</file>' },
      { text: 'What do these say?' },
    ])
    expect(keysRead()).toEqual([uploadKey(IDENTITY, pdf.textId!)])
  })
})

describe('S3AttachmentSource', () => {
  const source = (maxTotalBytes?: number) =>
    new S3AttachmentSource({
      s3: new S3Client({ region: 'eu-west-1' }),
      bucket: BUCKET,
      identityId: IDENTITY,
      ...(maxTotalBytes !== undefined ? { maxTotalBytes } : {}),
    })

  it("stops reading once the invocation's byte budget is spent: a later file is a note, left unread", async () => {
    const { image, text } = files
    const imageBytes = bucket.get(uploadKey(IDENTITY, image.id))!
    const parts = await source(imageBytes.length + 5).parts([keyed(image), keyed(text)], 'bedrock')
    expect(parts.map((p) => p.type)).toEqual(['image', 'file-text'])
    expect(parts[1]).toEqual({
      type: 'file-text',
      name: 'notes.md',
      text: "[this file was not read: the prompt's attachments passed the most one request may read]",
    })
    expect(bodies.get(uploadKey(IDENTITY, text.id))).toEqual({ read: false })
  })

  it('reads an object once for every model and message of the invocation', async () => {
    const reader = source()
    await reader.parts([keyed(files.image)], 'bedrock')
    await reader.parts([keyed(files.image)], 'openai-compatible')
    expect(keysRead()).toEqual([uploadKey(IDENTITY, files.image.id)])
  })
})

describe("Converse's request limits across turns", () => {
  const image = (n: number): MessagePart => ({
    type: 'image',
    name: `shot-${n}.png`,
    mediaType: 'image/png',
    data: new Uint8Array([n]),
  })

  it('keeps the newest 20 images of a conversation; older ones become a note, and the request keeps alternating', () => {
    const turns = [0, 1, 2].flatMap((turn) => [
      {
        role: 'user' as const,
        content: `turn ${turn}`,
        parts: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => image(turn * 8 + i)),
      },
      { role: 'assistant' as const, content: `answer ${turn}` },
    ])
    const { messages } = toConverseMessages(turns.slice(0, -1))
    const blocks = messages.flatMap((m) => m.content ?? [])
    expect(blocks.filter((b) => b.image)).toHaveLength(20)
    // The four oldest images (turn 0's first four) are the ones not sent again.
    expect(messages[0]!.content!.slice(0, 4)).toEqual(
      [0, 1, 2, 3].map((n) => ({
        text: expect.stringContaining(`<file name="shot-${n}.png">\n[an earlier attachment`),
      })),
    )
    expect(messages[0]!.content![4]).toEqual({ image: { format: 'png', source: { bytes: new Uint8Array([4]) } } })
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant', 'user'])
  })

  it('sends a message of attachments alone without a blank text block', () => {
    const { messages } = toConverseMessages([{ role: 'user', content: '  ', parts: [image(1)] }])
    expect(messages).toEqual([
      { role: 'user', content: [{ image: { format: 'png', source: { bytes: new Uint8Array([1]) } } }] },
    ])
  })
})
