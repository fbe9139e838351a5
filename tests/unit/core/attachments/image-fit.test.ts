import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { BEDROCK_IMAGE_LIMITS } from '../../../../src-main/core/attachments/attachment-limits'
import { fitImage } from '../../../../src-main/core/attachments/image-fit'
import { makeJpeg, makePhoto12Mp, makePng, truncated } from '../../../fixtures/attachment-files'

const limits = (maxSide: number, maxBytes: number) => ({ maxSide, maxBytes, maxImages: 20 })

describe('fitImage', () => {
  it('returns an image within the limits byte for byte', async () => {
    const png = await makePng(300, 200)
    const fitted = await fitImage(png, 'image/png', limits(1000, 1_000_000))
    expect(Buffer.from(fitted.bytes).equals(png)).toBe(true)
    expect(fitted).toMatchObject({ mediaType: 'image/png', width: 300, height: 200 })
  })

  it('downscales to the longest side, keeping the aspect ratio and the lossless format', async () => {
    const fitted = await fitImage(await makePng(1200, 300), 'image/png', limits(400, 1_000_000))
    expect(fitted).toMatchObject({ mediaType: 'image/png', width: 400, height: 100 })
    const decoded = await sharp(fitted.bytes).metadata()
    expect([decoded.format, decoded.width, decoded.height]).toEqual(['png', 400, 100])
  })

  it('keeps a portrait portrait', async () => {
    const fitted = await fitImage(await makeJpeg(300, 900), 'image/jpeg', limits(300, 1_000_000))
    expect([fitted.width, fitted.height]).toEqual([100, 300])
  })

  it('turns a photo upright by its EXIF orientation and drops its metadata', async () => {
    // Orientation 6: stored landscape, shown rotated 90° clockwise (portrait).
    const photo = await makeJpeg(400, 200, { exifOrientation: 6 })
    const fitted = await fitImage(photo, 'image/jpeg', limits(1000, 1_000_000))
    const decoded = await sharp(fitted.bytes).metadata()
    expect([decoded.width, decoded.height, decoded.orientation, decoded.exif]).toEqual([200, 400, undefined, undefined])
  })

  it('brings an oversized 12-megapixel photo under Bedrock’s byte limit', async () => {
    const photo = await makePhoto12Mp()
    expect(photo.length).toBeGreaterThan(BEDROCK_IMAGE_LIMITS.maxBytes)
    const fitted = await fitImage(photo, 'image/jpeg', BEDROCK_IMAGE_LIMITS)
    expect(fitted.bytes.length).toBeLessThanOrEqual(BEDROCK_IMAGE_LIMITS.maxBytes)
    expect(fitted.mediaType).toBe('image/jpeg')
    expect(Math.abs(fitted.width / fitted.height - 4 / 3)).toBeLessThan(0.01)
  })

  it('falls back to JPEG when a PNG cannot fit the byte limit', async () => {
    const noisy = await sharp({
      create: {
        width: 600,
        height: 600,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png()
      .toBuffer()
    const fitted = await fitImage(noisy, 'image/png', limits(600, 150_000))
    expect(fitted.mediaType).toBe('image/jpeg')
    expect(fitted.bytes.length).toBeLessThanOrEqual(150_000)
  })

  it('refuses a truncated image', async () => {
    await expect(fitImage(truncated(await makePng(300, 200)), 'image/png', limits(1000, 1e6))).rejects.toMatchObject({
      code: 'damaged-image',
    })
    await expect(fitImage(truncated(await makeJpeg(300, 200)), 'image/jpeg', limits(1000, 1e6))).rejects.toMatchObject({
      code: 'damaged-image',
    })
  })
})
