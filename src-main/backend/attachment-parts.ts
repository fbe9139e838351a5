/**
 * Attachments between the chat request and the providers. The request carries references (`WireAttachment`: an id,
 * a name, a kind; in cloud mode also the object key), never bytes, so the invoke payload stays small. The handler
 * asks its `AttachmentSource` to turn a message's references into parts prepared for the provider's target
 * (`AttachmentTarget`): in local mode the app's own store, in cloud mode the caller's S3 prefix
 * (s3-attachment-source.ts).
 */
import { z } from 'zod'
import type { ImageMediaType } from '../shared/attachment'
import { MAX_ATTACHMENT_INPUT_BYTES, MAX_ATTACHMENTS_PER_PROMPT } from '../shared/attachment'
import { UploadKeySchema } from '../protocol/upload-keys'

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest')

/** One attachment reference as the chat request carries it (unknown keys dropped, as everywhere in the request). */
export const WireAttachmentSchema = z.object({
  id: Sha256Schema,
  name: z.string().min(1).max(255),
  kind: z.enum(['image', 'text', 'pdf']),
  mediaType: z.enum(['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'text/plain', 'application/pdf']),
  /** PDFs: the id of their extracted text, for targets that read text only. */
  textId: Sha256Schema.optional(),
  /**
   * Cloud mode: the S3 key, `uploads/<identity id>/<sha256>` (shape checked here; the Lambda refuses a key that is
   * not the caller's own, from its context, for this very id).
   */
  objectKey: UploadKeySchema.optional(),
  /** The stored bytes' size and a PDF's page count: only the spend guard's estimate reads them (the app states them). */
  sizeBytes: z.number().int().nonnegative().max(MAX_ATTACHMENT_INPUT_BYTES).optional(),
  pages: z.number().int().positive().max(100_000).optional(),
})
export type WireAttachment = z.infer<typeof WireAttachmentSchema>

/** At most 20 per message: Bedrock's image limit per request, and the app's per prompt. */
export const WireAttachmentsSchema = z.array(WireAttachmentSchema).max(MAX_ATTACHMENTS_PER_PROMPT)

/** What a provider takes besides text: each builds its own request blocks from these. */
export type AttachmentTarget = 'openai-compatible' | 'bedrock' | 'text-only'

export type MessagePart =
  | { type: 'image'; name: string; mediaType: ImageMediaType; data: Uint8Array }
  /** Bedrock only: a PDF sent whole as a document block. */
  | { type: 'document'; name: string; format: 'pdf'; data: Uint8Array }
  /** A text file, a PDF's text, or a note that a file could not be given (so the model can say so). */
  | { type: 'file-text'; name: string; text: string }

export interface AttachmentSource {
  /** The parts for these references, prepared for the target; never throws for one file that is gone. */
  parts(attachments: readonly WireAttachment[], target: AttachmentTarget): Promise<MessagePart[]>
}

/** The note a model reads in place of an image when it cannot read images. */
export const IMAGE_NOT_READABLE = '[an image this model cannot read]'

/** Which stored blob a target reads: a PDF's extracted text for every target but Bedrock, else the file itself. */
export function blobFor(attachment: WireAttachment, target: AttachmentTarget): { id?: string; pdfAsText: boolean } {
  const pdfAsText = attachment.kind === 'pdf' && target !== 'bedrock'
  const id = pdfAsText ? attachment.textId : attachment.id
  return { ...(id !== undefined ? { id } : {}), pdfAsText }
}

/**
 * The part for an attachment whose blob (see `blobFor`) was read: images as they are stored (a source scales them
 * further for its target where it can), text and a PDF's text decoded as UTF-8, a PDF for Bedrock whole.
 */
export function partFromBytes(attachment: WireAttachment, bytes: Uint8Array, pdfAsText: boolean): MessagePart {
  const { name } = attachment
  switch (attachment.kind) {
    case 'text':
      return { type: 'file-text', name, text: Buffer.from(bytes).toString('utf8') }
    case 'pdf':
      return pdfAsText
        ? { type: 'file-text', name, text: Buffer.from(bytes).toString('utf8') }
        : { type: 'document', name, format: 'pdf', data: bytes }
    case 'image':
      return { type: 'image', name, mediaType: attachment.mediaType as ImageMediaType, data: bytes }
  }
}

/**
 * A text file as the model reads it: inside a tag that names it, so the model can tell files from the prompt and
 * from each other, and name them in its answer (the form Anthropic's prompting guide uses for documents; OpenAI-
 * compatible models read it as well).
 */
export function fileTextBlock(name: string, text: string): string {
  return `<file name=${JSON.stringify(name)}>\n${text}\n</file>`
}

/** The message's text with its text parts before it, for a provider that takes text only (the embedded engine). */
export function textWithFiles(content: string, parts: readonly MessagePart[] | undefined): string {
  const files = (parts ?? []).flatMap((part) =>
    part.type === 'file-text' ? [fileTextBlock(part.name, part.text)] : [],
  )
  return files.length === 0 ? content : `${files.join('\n\n')}\n\n${content}`
}
