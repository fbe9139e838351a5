/**
 * Cloud mode's attachments on their way to the chat Lambda: before a prompt is invoked, each attachment's prepared
 * bytes (what the app stored: images already within Bedrock's limits, a PDF's extracted text beside it) are put in
 * the stack's uploads bucket at `uploads/<identityId>/<sha256>`, and the request's references gain their
 * `objectKey`. The invoke payload carries keys, names and media types, never bytes. How an object is put is the
 * transport's (upload-transport.ts): a presigned POST from the stack's upload-presign Lambda, whose policy S3
 * enforces (size, key, type), or PutObject with the user's own credentials for stacks deployed before it.
 *
 * - Each object is uploaded once per session (the same screenshot in ten prompts is one upload), and again once an
 *   upload is older than REUPLOAD_AFTER_MS: the bucket deletes objects a day after they were written.
 * - S3 checks every upload against its SHA-256, so what the Lambda reads is what the app named.
 * - Nothing larger than MAX_UPLOAD_BYTES is put: a PDF larger than Bedrock reads goes as its text only (the Lambda
 *   then sends that text to every model).
 * - A failed upload fails the prompt with a message naming the file, before anything is invoked.
 */
import type { ChatRequest } from '../../backend/chat-handler'
import type { WireAttachment } from '../../backend/attachment-parts'
import { MAX_UPLOAD_BYTES, uploadKey } from '../../protocol/upload-keys'
import { systemClock, type Clock } from '../../lib/clock'
import type { StoredBytes } from '../attachments/attachment-store'
import { UploadFailure, type UploadTransport } from './upload-transport'

export interface AttachmentUploaderOptions {
  /** How each object reaches the bucket (presigned POST, or PutObject for older stacks). */
  transport: UploadTransport
  identityId: string
  /** The app's attachment store (the prepared bytes, checked against their id). */
  read(id: string): Promise<StoredBytes>
  clock?: Clock
}

/** Well inside the bucket's one-day lifecycle, so a key the request names is never one S3 is about to delete. */
export const REUPLOAD_AFTER_MS = 12 * 60 * 60 * 1000
/** Uploads run a few at a time: a prompt of 20 screenshots should not open 20 connections. */
const PARALLEL_UPLOADS = 4

export class AttachmentUploader {
  /** Key → when this session uploaded it. */
  private readonly uploaded = new Map<string, number>()

  constructor(private readonly options: AttachmentUploaderOptions) {}

  /** The request with every attachment uploaded and keyed; throws (nothing invoked) when one upload fails. */
  async withKeys(request: ChatRequest): Promise<ChatRequest> {
    const attachments = request.models.flatMap((m) => m.messages.flatMap((message) => message.attachments ?? []))
    if (attachments.length === 0) return request
    const keyed = new Map<string, string | undefined>()
    const unique = [...new Map(attachments.map((a) => [a.id, a])).values()]
    await inBatches(unique, PARALLEL_UPLOADS, async (attachment) => {
      keyed.set(attachment.id, await this.upload(attachment))
    })
    return {
      ...request,
      models: request.models.map((model) => ({
        ...model,
        messages: model.messages.map((message) =>
          message.attachments
            ? { ...message, attachments: message.attachments.map((a) => withKey(a, keyed.get(a.id))) }
            : message,
        ),
      })),
    }
  }

  /** Uploads the attachment (and a PDF's text); its key, or undefined when its own bytes were not uploaded. */
  private async upload(attachment: WireAttachment): Promise<string | undefined> {
    if (attachment.textId !== undefined) await this.put(attachment, attachment.textId)
    return this.put(attachment, attachment.id)
  }

  private async put(attachment: WireAttachment, id: string): Promise<string | undefined> {
    const { transport, identityId, clock = systemClock } = this.options
    const key = uploadKey(identityId, id)
    const at = this.uploaded.get(key)
    if (at !== undefined && clock.now() - at < REUPLOAD_AFTER_MS) return key
    const stored = await this.options.read(id)
    if (stored.status !== 'ok') {
      throw new Error(`"${attachment.name}" is ${stored.status} on this computer: remove it and attach the file again.`)
    }
    const { bytes } = stored
    // Only a whole PDF can be this large (images and texts were prepared smaller); its text goes instead.
    if (bytes.length > MAX_UPLOAD_BYTES) return undefined
    try {
      await transport.upload({
        key,
        sha256: id,
        bytes,
        contentType: id === attachment.id ? attachment.mediaType : 'text/plain; charset=utf-8',
      })
    } catch (error) {
      const reason = error instanceof UploadFailure ? error.reason : 'something unexpected failed. Try again.'
      throw new Error(`Could not upload "${attachment.name}" to the cloud: ${reason}`, { cause: error })
    }
    this.uploaded.set(key, clock.now())
    return key
  }
}

function withKey(attachment: WireAttachment, key: string | undefined): WireAttachment {
  const { objectKey: _stale, ...rest } = attachment
  return key === undefined ? rest : { ...rest, objectKey: key }
}

async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run))
}
