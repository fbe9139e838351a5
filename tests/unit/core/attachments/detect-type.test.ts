import { describe, expect, it } from 'vitest'
import { AttachmentRefusedError } from '../../../../src-main/core/attachments/attachment-refusal'
import { decodeText, detectAttachmentType } from '../../../../src-main/core/attachments/detect-type'
import { makeExeBytes, makeJpeg, makePdf, makePng } from '../../../fixtures/attachment-files'
import sharp from 'sharp'

async function refusal(bytes: Uint8Array): Promise<AttachmentRefusedError> {
  const error = await detectAttachmentType(bytes).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AttachmentRefusedError)
  return error as AttachmentRefusedError
}

describe('detectAttachmentType', () => {
  it('knows images and PDFs by their bytes', async () => {
    const webp = await sharp(await makePng(20, 10))
      .webp()
      .toBuffer()
    const gif = await sharp(await makePng(20, 10))
      .gif()
      .toBuffer()
    expect(await detectAttachmentType(await makePng(20, 10))).toEqual({ kind: 'image', mediaType: 'image/png' })
    expect(await detectAttachmentType(await makeJpeg(20, 10))).toEqual({ kind: 'image', mediaType: 'image/jpeg' })
    expect(await detectAttachmentType(webp)).toEqual({ kind: 'image', mediaType: 'image/webp' })
    expect(await detectAttachmentType(gif)).toEqual({ kind: 'image', mediaType: 'image/gif' })
    expect(await detectAttachmentType(await makePdf(['x']))).toEqual({ kind: 'pdf', mediaType: 'application/pdf' })
  })

  it('refuses a program whatever its name says', async () => {
    const error = await refusal(makeExeBytes())
    expect(error.code).toBe('unsupported-type')
    expect(error.message).toContain('EXE')
  })

  it('refuses other known binary formats', async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)])
    expect((await refusal(zip)).code).toBe('unsupported-type')
  })

  it('reads UTF-8 text, with or without a BOM', async () => {
    expect(await detectAttachmentType(Buffer.from('name,value\nä,1\n'))).toEqual({
      kind: 'text',
      mediaType: 'text/plain',
      text: 'name,value\nä,1\n',
    })
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# 見出し')])
    expect(await detectAttachmentType(withBom)).toMatchObject({ kind: 'text', text: '# 見出し' })
  })

  it('converts UTF-16 with a BOM, both byte orders', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('log: 日本 ok', 'utf16le')])
    const be = Buffer.from(le)
    be.swap16()
    expect(decodeText(le)).toBe('log: 日本 ok')
    expect(decodeText(be.fill(0xfe, 0, 1).fill(0xff, 1, 2))).toBe('log: 日本 ok')
  })

  it('refuses bytes that are not UTF-8, and text with NULs', async () => {
    expect((await refusal(Buffer.from([0x68, 0x69, 0xff, 0xfe, 0x80]))).code).toBe('not-utf8')
    expect((await refusal(Buffer.from('abc\u0000def'))).code).toBe('not-utf8')
    // Latin-1 "café": a lone 0xE9 is not UTF-8.
    expect((await refusal(Buffer.from('caf\u00e9', 'latin1'))).message).toContain('UTF-8')
  })
})
