/**
 * What the window shows of a stored image: a small thumbnail for a chip, or the image itself to view larger, as a
 * data URL (the page's CSP allows `data:` images and nothing from the file system). Made in main with sharp, so
 * the renderer never decodes or scales a large photo.
 */
import sharp from 'sharp'
import type { AttachmentPreview } from '../../shared/attachment'
import type { AttachmentStore } from './attachment-store'
import { detectAttachmentType } from './detect-type'

/** A chip's thumbnail: twice its CSS size, for high-density screens. */
const THUMBNAIL_SIDE = 96

export async function attachmentPreview(
  store: AttachmentStore,
  id: string,
  size: 'thumbnail' | 'full',
): Promise<AttachmentPreview> {
  const stored = await store.read(id)
  if (stored.status !== 'ok') return { status: stored.status }
  // The store keeps files of every kind: only an image (by its bytes) is shown.
  const type = await detectAttachmentType(stored.bytes).catch(() => undefined)
  if (type?.kind !== 'image') return { status: 'not-an-image' }
  if (size === 'full') return { status: 'ok', dataUrl: dataUrl(type.mediaType, stored.bytes) }
  const thumbnail = await sharp(stored.bytes, { animated: false })
    .rotate()
    .resize({ width: THUMBNAIL_SIDE, height: THUMBNAIL_SIDE, fit: 'cover' })
    .jpeg({ quality: 80 })
    .toBuffer()
  return { status: 'ok', dataUrl: dataUrl('image/jpeg', thumbnail) }
}

function dataUrl(mediaType: string, bytes: Uint8Array): string {
  return `data:${mediaType};base64,${Buffer.from(bytes).toString('base64')}`
}
