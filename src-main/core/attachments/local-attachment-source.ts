/**
 * Local mode's `AttachmentSource`: references resolved in the app's attachment store and prepared per target.
 * Images are already within Bedrock's limits (they were stored so); an OpenAI-compatible server gets them scaled
 * further to its own. A PDF goes to Bedrock whole and to every other target as its extracted text. A file that is
 * missing or damaged becomes a note the model reads, so it can tell the user rather than answer as if it had it.
 */
import type { AttachmentSource, AttachmentTarget, MessagePart, WireAttachment } from '../../backend/attachment-parts'
import type { ImageMediaType } from '../../shared/attachment'
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
      return { type: 'file-text', name, text: '[an image this model cannot read]' }
    const pdfAsText = attachment.kind === 'pdf' && target !== 'bedrock'
    const id = pdfAsText ? attachment.textId : attachment.id
    const read = id === undefined ? { status: 'missing' as const } : await this.store.read(id)
    if (read.status !== 'ok')
      return { type: 'file-text', name, text: `[this file is ${read.status} on the user's computer]` }
    switch (attachment.kind) {
      case 'text':
        return { type: 'file-text', name, text: Buffer.from(read.bytes).toString('utf8') }
      case 'pdf':
        return pdfAsText
          ? { type: 'file-text', name, text: Buffer.from(read.bytes).toString('utf8') }
          : { type: 'document', name, format: 'pdf', data: read.bytes }
      case 'image': {
        const mediaType = attachment.mediaType as ImageMediaType
        if (target === 'bedrock') return { type: 'image', name, mediaType, data: read.bytes }
        const fitted = await fitImage(read.bytes, mediaType, OPENAI_COMPATIBLE_IMAGE_LIMITS)
        return { type: 'image', name, mediaType: fitted.mediaType, data: fitted.bytes }
      }
    }
  }
}
