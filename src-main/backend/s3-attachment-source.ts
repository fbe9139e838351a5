/**
 * Cloud mode's `AttachmentSource` (the chat Lambda's): a message's references resolved from the uploads bucket,
 * under the CALLER's own prefix only. The identity comes from Lambda's context, never from the request: a reference
 * whose key is not `uploads/<caller>/<its own id>` (another user's prefix, or another file's name) fails the
 * model's answer with an error that says so, and nothing is fetched for the message. A PDF's text, for targets that
 * read text, is read from the caller's prefix by its id; nothing in the request names that key.
 *
 * Each object is read once per invocation (the models of one prompt share it), is refused unread when larger than
 * any upload may be, and is checked against its id (the SHA-256 the app named it by). The invocation reads at most
 * MAX_INVOCATION_UPLOAD_BYTES in all. A file that is gone (uploads live a day), too large or damaged becomes a note
 * the model reads, so it can tell the user rather than answer as if it had the file.
 *
 * Images go to every target as stored: the app stored them within Bedrock's limits, which OpenAI-compatible servers
 * accept too (they scale images themselves); scaling here would put an image library into the Lambda's bundle.
 */
import { createHash } from 'node:crypto'
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3'
import { MAX_INVOCATION_UPLOAD_BYTES, MAX_UPLOAD_BYTES, uploadKey } from '../protocol/upload-keys'
import {
  blobFor,
  IMAGE_NOT_READABLE,
  partFromBytes,
  type AttachmentSource,
  type AttachmentTarget,
  type MessagePart,
  type WireAttachment,
} from './attachment-parts'
import { ModelError } from './model-provider'

export interface S3AttachmentSourceOptions {
  s3: S3Client
  bucket: string
  /** The caller, as Lambda's context reports it. */
  identityId: string
  /** The most bytes this invocation reads in all; MAX_INVOCATION_UPLOAD_BYTES by default. */
  maxTotalBytes?: number
  /** A read that failed for another reason than a missing object (logged with its key, never its content). */
  onReadError?: (key: string, error: unknown) => void
}

type Fetched = { status: 'ok'; bytes: Uint8Array } | { status: 'missing' | 'too-large' | 'over-budget' | 'damaged' }

const NOTES: Record<Exclude<Fetched['status'], 'ok'>, string> = {
  missing: '[this file is no longer in the cloud upload (uploads are kept for a day); ask the user to attach it again]',
  'too-large': '[this file is larger than the cloud upload limit, so it was not read]',
  'over-budget': "[this file was not read: the prompt's attachments passed the most one request may read]",
  damaged: '[this file could not be read from the cloud upload]',
}

export class S3AttachmentSource implements AttachmentSource {
  private readonly reads = new Map<string, Promise<Fetched>>()
  private remainingBytes: number

  constructor(private readonly options: S3AttachmentSourceOptions) {
    this.remainingBytes = options.maxTotalBytes ?? MAX_INVOCATION_UPLOAD_BYTES
  }

  async parts(attachments: readonly WireAttachment[], target: AttachmentTarget): Promise<MessagePart[]> {
    // Checked for the whole message first: a forged key fetches nothing, not even the message's other files.
    for (const attachment of attachments) this.checkKey(attachment)
    return Promise.all(attachments.map((attachment) => this.part(attachment, target)))
  }

  private checkKey(attachment: WireAttachment): void {
    const refusal = foreignKeyRefusal([attachment], this.options.identityId)
    if (refusal) throw new ModelError('unauthorized', refusal)
  }

  private async part(attachment: WireAttachment, target: AttachmentTarget): Promise<MessagePart> {
    const { name } = attachment
    if (attachment.kind === 'image' && target === 'text-only')
      return { type: 'file-text', name, text: IMAGE_NOT_READABLE }
    // A PDF the app did not upload (larger than Bedrock reads) still goes as its text.
    const wholePdfUploaded = attachment.kind !== 'pdf' || attachment.objectKey !== undefined
    const { id, pdfAsText } = blobFor(attachment, wholePdfUploaded ? target : 'text-only')
    if (id === undefined || (!pdfAsText && attachment.objectKey === undefined))
      return { type: 'file-text', name, text: '[this file was not uploaded to the cloud]' }
    const fetched = await this.read(id)
    if (fetched.status !== 'ok') return { type: 'file-text', name, text: NOTES[fetched.status] }
    return partFromBytes(attachment, fetched.bytes, pdfAsText)
  }

  /** The caller's object of this content hash, read once per invocation. */
  private read(sha256: string): Promise<Fetched> {
    let read = this.reads.get(sha256)
    if (!read) {
      read = this.fetch(sha256)
      this.reads.set(sha256, read)
    }
    return read
  }

  private async fetch(sha256: string): Promise<Fetched> {
    const { s3, bucket, identityId } = this.options
    const key = uploadKey(identityId, sha256)
    try {
      const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      const size = response.ContentLength ?? Number.POSITIVE_INFINITY
      const refusal = size > MAX_UPLOAD_BYTES ? 'too-large' : size > this.remainingBytes ? 'over-budget' : undefined
      if (refusal || !response.Body) {
        // The body is left unread: nothing of an oversized object is downloaded.
        destroyBody(response.Body)
        return { status: refusal ?? 'damaged' }
      }
      this.remainingBytes -= size
      const bytes = await response.Body.transformToByteArray()
      const actual = createHash('sha256').update(bytes).digest('hex')
      return bytes.length === size && actual === sha256 ? { status: 'ok', bytes } : { status: 'damaged' }
    } catch (error) {
      if (error instanceof NoSuchKey) return { status: 'missing' }
      this.options.onReadError?.(key, error)
      return { status: 'damaged' }
    }
  }
}

/**
 * Why these references may not be read for this caller: the first whose key is not `uploads/<caller>/<its own id>`
 * (another identity's prefix, or another of the caller's files). Undefined when every key is the caller's own.
 */
export function foreignKeyRefusal(attachments: Iterable<WireAttachment>, identityId: string): string | undefined {
  for (const { objectKey, id, name } of attachments) {
    if (objectKey !== undefined && objectKey !== uploadKey(identityId, id))
      return `The attachment "${name}" names a cloud upload outside your own uploads, so no attachment was read and nothing was sent to the model.`
  }
  return undefined
}

function destroyBody(body: unknown): void {
  const stream = body as { destroy?: () => void } | undefined
  stream?.destroy?.()
}
