/**
 * A file becomes an attachment: its name checked, its size bounded, its type read from its bytes, then prepared
 * for every target once (an image brought within the most generous target's limits, text decoded to UTF-8, a PDF's
 * text extracted and kept beside it) and stored by SHA-256. Runs in the main process, never in the renderer; sharp
 * works on libuv's threads and a PDF's text is read in a worker thread, so the main loop is never held.
 */
import { stat, readFile } from 'node:fs/promises'
import type { AttachmentRef } from '../../shared/attachment'
import { formatBytes } from '../../shared/format-bytes'
import { MAX_ATTACHMENT_INPUT_BYTES, MAX_TEXT_BYTES, STORED_IMAGE_LIMITS } from './attachment-limits'
import { checkedAttachmentName } from './attachment-name'
import { AttachmentRefusedError } from './attachment-refusal'
import { userMessage } from '../../shared/user-message'
import type { AttachmentStore } from './attachment-store'
import { detectAttachmentType } from './detect-type'
import { fitImage } from './image-fit'
import { extractPdfTextInWorker } from './pdf-text-host'

/** Prepares and stores bytes the renderer sent (paste, drop, pick). */
export async function prepareAttachment(
  store: AttachmentStore,
  rawName: string,
  bytes: Uint8Array,
): Promise<AttachmentRef> {
  const name = checkedAttachmentName(rawName)
  checkSize(bytes.length)
  const type = await detectAttachmentType(bytes)
  switch (type.kind) {
    case 'image': {
      const image = await fitImage(bytes, type.mediaType, STORED_IMAGE_LIMITS)
      const id = await store.put(image.bytes)
      return {
        id,
        name,
        kind: 'image',
        mediaType: image.mediaType,
        sizeBytes: image.bytes.length,
        width: image.width,
        height: image.height,
      }
    }
    case 'text': {
      const utf8 = Buffer.from(type.text, 'utf8')
      if (utf8.length > MAX_TEXT_BYTES)
        throw new AttachmentRefusedError(
          'too-large',
          `Text files can be at most ${formatBytes(MAX_TEXT_BYTES)}; this one is ${formatBytes(utf8.length)}.`,
          userMessage('attachment:too-large', { sizeBytes: utf8.length, limitBytes: MAX_TEXT_BYTES }),
        )
      const id = await store.put(utf8)
      return { id, name, kind: 'text', mediaType: 'text/plain', sizeBytes: utf8.length }
    }
    case 'pdf': {
      const { text, pages } = await extractPdfTextInWorker(bytes)
      const textId = await store.put(Buffer.from(text, 'utf8'))
      const id = await store.put(bytes)
      return { id, name, kind: 'pdf', mediaType: 'application/pdf', sizeBytes: bytes.length, textId, pages }
    }
  }
}

/** The same for a file on disk (a dialog in main): its size is known before a byte is read. */
export async function prepareAttachmentFile(
  store: AttachmentStore,
  name: string,
  path: string,
): Promise<AttachmentRef> {
  const info = await stat(path)
  if (!info.isFile())
    throw new AttachmentRefusedError(
      'unsupported-type',
      'Only files can be attached, not folders.',
      userMessage('attachment:not-a-file', {}),
    )
  checkSize(info.size)
  return prepareAttachment(store, name, await readFile(path))
}

function checkSize(size: number): void {
  if (size === 0) throw new AttachmentRefusedError('empty', 'This file is empty.')
  if (size > MAX_ATTACHMENT_INPUT_BYTES)
    throw new AttachmentRefusedError(
      'too-large',
      `Files can be at most ${formatBytes(MAX_ATTACHMENT_INPUT_BYTES)}; this one is ${formatBytes(size)}.`,
      userMessage('attachment:too-large', { sizeBytes: size, limitBytes: MAX_ATTACHMENT_INPUT_BYTES }),
    )
}
