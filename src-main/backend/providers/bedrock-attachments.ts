/**
 * A user message's attachments as Bedrock ConverseStream content blocks: images as `image` blocks, PDFs as
 * `document` blocks, text files as text blocks naming the file; the files first and the prompt last, as for
 * OpenAI-compatible servers. Pure: the chat Lambda resolves the parts from the caller's own S3 prefix
 * (s3-attachment-source.ts) and the Converse provider hands them here. The limits are Converse's own, checked so a request Bedrock would refuse is
 * refused here with a plain message instead.
 */
import type { ContentBlock, DocumentFormat, ImageFormat } from '@aws-sdk/client-bedrock-runtime'
import { fileTextBlock, type MessagePart } from '../attachment-parts'
import { ModelError } from '../model-provider'

/** Converse: at most 20 images of 3.75 MB and 5 documents of 4.5 MB in one request. */
export const BEDROCK_LIMITS = { images: 20, imageBytes: 3_750_000, documents: 5, documentBytes: 4_500_000 }

const IMAGE_FORMATS: Record<string, ImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
}

export function bedrockContentBlocks(content: string, parts: readonly MessagePart[] | undefined): ContentBlock[] {
  const blocks: ContentBlock[] = []
  const names = new Set<string>()
  let images = 0
  let documents = 0
  for (const part of parts ?? []) {
    switch (part.type) {
      case 'file-text':
        blocks.push({ text: fileTextBlock(part.name, part.text) })
        break
      case 'image': {
        if (++images > BEDROCK_LIMITS.images) throw refusal(`Bedrock takes at most ${BEDROCK_LIMITS.images} images.`)
        if (part.data.length > BEDROCK_LIMITS.imageBytes) throw refusal(`${part.name} is larger than Bedrock takes.`)
        blocks.push({ image: { format: IMAGE_FORMATS[part.mediaType]!, source: { bytes: part.data } } })
        break
      }
      case 'document': {
        if (++documents > BEDROCK_LIMITS.documents)
          throw refusal(`Bedrock takes at most ${BEDROCK_LIMITS.documents} documents.`)
        if (part.data.length > BEDROCK_LIMITS.documentBytes) throw refusal(`${part.name} is larger than Bedrock takes.`)
        const format: DocumentFormat = part.format
        blocks.push({ document: { format, name: documentName(part.name, names), source: { bytes: part.data } } })
        break
      }
    }
  }
  // Bedrock refuses a blank text block: a message of attachments alone ends with its last file.
  if (content.trim() !== '' || blocks.length === 0) blocks.push({ text: content })
  return blocks
}

/**
 * Converse allows a document name of letters, digits, single spaces, hyphens, parentheses and square brackets, and
 * no two documents of one request may share a name; the model sees it, so it stays close to the file's own.
 */
export function documentName(fileName: string, taken: Set<string>): string {
  const base =
    fileName
      .replace(/\.[^.]*$/, '')
      .replace(/[^\p{L}\p{N}\s\-()[\]]/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 200) || 'document'
  let name = base
  for (let n = 2; taken.has(name); n++) name = `${base} (${n})`
  taken.add(name)
  return name
}

/** The wire has no "bad request" code (a new one would be a new protocol version): the column shows the message. */
function refusal(message: string): ModelError {
  return new ModelError('internal', message)
}
