/**
 * What a file is, from its bytes, never from its name: a `.png` that is really a program is refused as a program.
 * Images and PDFs by their signatures (file-type); anything without a known signature is text when it decodes as
 * strict UTF-8 (a UTF-8 BOM dropped) or as UTF-16 with a BOM, and holds no NUL; everything else is refused.
 */
import { fileTypeFromBuffer } from 'file-type'
import type { ImageMediaType } from '../../shared/attachment'
import { AttachmentRefusedError } from './attachment-refusal'
import { userMessage } from '../../shared/user-message'

export type DetectedType =
  | { kind: 'image'; mediaType: ImageMediaType }
  | { kind: 'pdf'; mediaType: 'application/pdf' }
  | { kind: 'text'; mediaType: 'text/plain'; text: string }

const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif'])

export async function detectAttachmentType(bytes: Uint8Array): Promise<DetectedType> {
  // A byte-order mark first: file-type reads UTF-16LE's FF FE as an MP1 audio frame header.
  if (byteOrderMark(bytes)[1] > 0) {
    const text = decodeText(bytes)
    if (text !== undefined) return { kind: 'text', mediaType: 'text/plain', text }
  }
  const signature = await fileTypeFromBuffer(bytes)
  if (signature !== undefined) {
    if (IMAGE_TYPES.has(signature.mime)) return { kind: 'image', mediaType: signature.mime as ImageMediaType }
    if (signature.mime === 'application/pdf') return { kind: 'pdf', mediaType: 'application/pdf' }
    throw new AttachmentRefusedError(
      'unsupported-type',
      `This file is ${signature.ext.toUpperCase()} (${signature.mime}), which cannot be attached: attach images (PNG, JPEG, WebP, GIF), PDFs or text files.`,
      userMessage('attachment:unsupported-type', { type: signature.ext.toUpperCase() }, signature.mime),
    )
  }
  const text = decodeText(bytes)
  if (text === undefined)
    throw new AttachmentRefusedError(
      'not-utf8',
      'This file is neither an image, a PDF nor text in UTF-8 or UTF-16: save it as UTF-8 text to attach it.',
    )
  return { kind: 'text', mediaType: 'text/plain', text }
}

/** The text of UTF-8 (BOM optional) or BOM-marked UTF-16 bytes; undefined for anything else or text with a NUL. */
export function decodeText(bytes: Uint8Array): string | undefined {
  const [encoding, start] = byteOrderMark(bytes)
  let text: string
  try {
    // ignoreBOM: the mark is skipped above, so a second one (U+FEFF as content) is kept as it is.
    text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(start))
  } catch {
    return undefined
  }
  return text.includes('\u0000') ? undefined : text
}

function byteOrderMark(bytes: Uint8Array): [encoding: 'utf-8' | 'utf-16le' | 'utf-16be', skip: number] {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return ['utf-8', 3]
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return ['utf-16le', 2]
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return ['utf-16be', 2]
  return ['utf-8', 0]
}
