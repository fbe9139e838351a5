/**
 * Images brought within a target's limits with sharp (libvips): the longest side at most `maxSide` and the file at
 * most `maxBytes`, the aspect ratio kept, never enlarged. A photo is turned upright by its EXIF orientation and
 * loses its metadata when it is re-encoded (a phone photo's GPS position should not travel to a model). An image
 * already within the limits is returned as it is, byte for byte, so its id stays the same.
 */
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp'
import type { ImageMediaType } from '../../shared/attachment'
import { AttachmentRefusedError } from './attachment-refusal'
import { userMessage } from '../../shared/user-message'
import type { ImageLimits } from './attachment-limits'

export interface FittedImage {
  bytes: Uint8Array
  mediaType: ImageMediaType
  width: number
  height: number
}

/** Qualities tried, in order, before the size is reduced further; below 60 JPEG artefacts hurt text in screenshots. */
const QUALITIES = [85, 75, 60]
/** Each further step keeps at most this share of the longest side. */
const SHRINK_STEP = 0.75

export async function fitImage(
  bytes: Uint8Array,
  mediaType: ImageMediaType,
  limits: ImageLimits,
): Promise<FittedImage> {
  // failOn 'truncated': a cut-off file is refused rather than sent half grey.
  const input = (): Sharp => sharp(bytes, { failOn: 'truncated', animated: false })
  let info: Metadata
  try {
    info = await input().metadata()
    // Decoding the pixels is the only way to know the file is whole (metadata reads the header only); stats() decodes
    // them on libvips' threads and returns a few numbers, where raw() would copy ~36 MB of a photo into JS memory.
    await input().stats()
  } catch (error) {
    const reason = describeSharpError(error)
    throw new AttachmentRefusedError(
      'damaged-image',
      `This image cannot be read (${reason}).`,
      userMessage('attachment:damaged-image', {}, reason),
    )
  }
  const { width, height } = info.autoOrient ?? { width: info.width, height: info.height }
  const rotated = (info.orientation ?? 1) !== 1
  if (Math.max(width, height) <= limits.maxSide && bytes.length <= limits.maxBytes && !rotated && !info.exif)
    return { bytes, mediaType, width, height }

  let side = Math.min(limits.maxSide, Math.max(width, height))
  // A PNG or GIF (a screenshot, a diagram) keeps its lossless format while it fits; a photo stays JPEG.
  const lossless = mediaType === 'image/png' || mediaType === 'image/gif'
  for (;;) {
    const resized = input().rotate().resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
    if (lossless) {
      const png = await resized.clone().png({ compressionLevel: 9 }).toBuffer({ resolveWithObject: true })
      if (png.data.length <= limits.maxBytes) return fitted(png, 'image/png')
    }
    let smallest = Infinity
    for (const quality of QUALITIES) {
      // libjpeg-turbo, not mozjpeg: mozjpeg's trellis search costs seconds on a 12-megapixel photo for ~10% bytes.
      const jpeg = await resized
        .clone()
        .flatten({ background: '#ffffff' })
        .jpeg({ quality })
        .toBuffer({ resolveWithObject: true })
      if (jpeg.data.length <= limits.maxBytes) return fitted(jpeg, 'image/jpeg')
      smallest = jpeg.data.length
    }
    // Bytes grow with the pixel count: the next try aims just under the limit instead of stepping down blindly.
    side = Math.floor(side * Math.min(SHRINK_STEP, Math.sqrt(limits.maxBytes / smallest) * 0.95))
    if (side < 16)
      throw new AttachmentRefusedError(
        'too-large',
        'This image cannot be made small enough to send.',
        userMessage('attachment:image-too-large', {}),
      )
  }
}

function fitted(output: { data: Buffer; info: OutputInfo }, mediaType: ImageMediaType): FittedImage {
  return { bytes: output.data, mediaType, width: output.info.width, height: output.info.height }
}

/** libvips' messages name its loaders ("vipspng: libpng read error"); the first line is enough for the user. */
function describeSharpError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0]!.slice(0, 200)
}
