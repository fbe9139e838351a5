/**
 * Local mode's `AttachmentSource`: references resolved in the app's attachment store and prepared per target.
 * Images are already within Bedrock's limits (they were stored so); an OpenAI-compatible server gets them scaled
 * further to its own. A PDF goes to Bedrock whole and to every other target as its extracted text. A file that is
 * missing or damaged becomes a note the model reads, so it can tell the user rather than answer as if it had it.
 */
import {
  blobFor,
  IMAGE_NOT_READABLE,
  partFromBytes,
  type AttachmentSource,
  type AttachmentTarget,
  type MessagePart,
  type WireAttachment,
} from '../../backend/attachment-parts'
import { OPENAI_COMPATIBLE_IMAGE_LIMITS } from './attachment-limits'
import type { AttachmentStore } from './attachment-store'
import { fitImage } from './image-fit'

export class LocalAttachmentSource implements AttachmentSource {
  constructor(private readonly store: AttachmentStore) {}

  async parts(attachments: readonly WireAttachment[], target: AttachmentTarget): Promise<MessagePart[]> {
    return Promise.all(attachments.map((attachment) => this.part(attachment, target)))
  }

  private async part(attachment: WireAttachment, target: AttachmentTarget): Promise<MessagePart> {
    const { name } = attachment
    if (attachment.kind === 'image' && target === 'text-only')
      return { type: 'file-text', name, text: IMAGE_NOT_READABLE }
    const { id, pdfAsText } = blobFor(attachment, target)
    const read = id === undefined ? { status: 'missing' as const } : await this.store.read(id)
    if (read.status !== 'ok')
      return { type: 'file-text', name, text: `[this file is ${read.status} on the user's computer]` }
    const part = partFromBytes(attachment, read.bytes, pdfAsText)
    if (part.type !== 'image' || target === 'bedrock') return part
    const fitted = await fitImage(part.data, part.mediaType, OPENAI_COMPATIBLE_IMAGE_LIMITS)
    return { ...part, mediaType: fitted.mediaType, data: fitted.bytes }
  }
}
