import { truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { MAX_ATTACHMENT_INPUT_BYTES, MAX_TEXT_BYTES } from '../../../../src-main/core/attachments/attachment-limits'
import { AttachmentStore } from '../../../../src-main/core/attachments/attachment-store'
import { prepareAttachment, prepareAttachmentFile } from '../../../../src-main/core/attachments/prepare-attachment'
import { makeExeBytes, makePdf, makePng, truncated } from '../../../fixtures/attachment-files'
import { makeTempDir } from '../../../support/temp-dir'

async function newStore(): Promise<AttachmentStore> {
  return new AttachmentStore(join(await makeTempDir('attachments'), 'attachments'))
}

async function storedText(store: AttachmentStore, id: string): Promise<string> {
  const read = await store.read(id)
  if (read.status !== 'ok') throw new Error(read.status)
  return Buffer.from(read.bytes).toString('utf8')
}

describe('prepareAttachment', () => {
  it('stores an image within the limits as it is, with its size', async () => {
    const store = await newStore()
    const png = await makePng(640, 480)
    const ref = await prepareAttachment(store, 'chart.png', png)
    expect(ref).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{64}$/),
      name: 'chart.png',
      kind: 'image',
      mediaType: 'image/png',
      sizeBytes: png.length,
      width: 640,
      height: 480,
    })
    expect(await store.check(ref.id)).toBe('ok')
  })

  it('downscales an image over the stored limit (8,000 px per side)', async () => {
    const store = await newStore()
    const wide = await sharp({ create: { width: 9000, height: 900, channels: 3, background: '#123456' } })
      .png()
      .toBuffer()
    const ref = await prepareAttachment(store, 'banner.png', wide)
    expect([ref.width, ref.height]).toEqual([8000, 800])
    const read = await store.read(ref.id)
    expect(read.status === 'ok' && (await sharp(read.bytes).metadata()).width).toBe(8000)
  })

  it('stores text files as UTF-8, a UTF-16 file converted', async () => {
    const store = await newStore()
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,2\n', 'utf16le')])
    const ref = await prepareAttachment(store, 'table.csv', utf16)
    expect(ref).toMatchObject({ kind: 'text', mediaType: 'text/plain', sizeBytes: 8 })
    expect(await storedText(store, ref.id)).toBe('a,b\n1,2\n')
  })

  it('stores a PDF and its extracted text', async () => {
    const store = await newStore()
    const pdf = await makePdf(['Invoice 42', 'Total: 17 EUR'])
    const ref = await prepareAttachment(store, 'invoice.pdf', pdf)
    expect(ref).toMatchObject({ kind: 'pdf', mediaType: 'application/pdf', sizeBytes: pdf.length, pages: 2 })
    expect(await storedText(store, ref.textId!)).toBe('Invoice 42\n\nTotal: 17 EUR')
  })

  it.each([
    ['an executable renamed .png', 'photo.png', async () => makeExeBytes(), 'unsupported-type'],
    ['a 0-byte file', 'empty.txt', async () => Buffer.alloc(0), 'empty'],
    ['a corrupt image', 'cut.png', async () => truncated(await makePng(400, 300)), 'damaged-image'],
    ['a name with a path', '../../.ssh/id_rsa', async () => Buffer.from('x'), 'bad-name'],
    ['a name with a backslash', 'a\\b.txt', async () => Buffer.from('x'), 'bad-name'],
    ['a text file over the text limit', 'big.log', async () => Buffer.alloc(MAX_TEXT_BYTES + 1, 0x61), 'too-large'],
  ])('refuses %s, storing nothing', async (_, name, bytes, code) => {
    const store = await newStore()
    await expect(prepareAttachment(store, name, await bytes())).rejects.toMatchObject({ code })
    expect(await store.ids()).toEqual([])
  })

  it('refuses a 100 MB file from its size alone, before reading it', async () => {
    const store = await newStore()
    const path = join(await makeTempDir('attachments-input'), 'huge.png')
    await writeFile(path, await makePng(10, 10))
    // A sparse file: 100 MB long without 100 MB on disk or in memory.
    await truncate(path, 100 * 1024 * 1024)
    const error = await prepareAttachmentFile(store, 'huge.png', path).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'too-large' })
    expect((error as Error).message).toContain('this one is 105 MB')
    expect(await store.ids()).toEqual([])
  })

  it('refuses bytes over the input limit', async () => {
    const store = await newStore()
    await expect(
      prepareAttachment(store, 'x.txt', Buffer.alloc(MAX_ATTACHMENT_INPUT_BYTES + 1, 0x61)),
    ).rejects.toMatchObject({ code: 'too-large' })
  })
})
