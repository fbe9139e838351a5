import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { wireAttachment } from '../../../../src-main/core/attachments/attachment-catalog'
import { attachmentPreview } from '../../../../src-main/core/attachments/attachment-preview'
import { AttachmentStore } from '../../../../src-main/core/attachments/attachment-store'
import { LocalAttachmentSource } from '../../../../src-main/core/attachments/local-attachment-source'
import { prepareAttachment } from '../../../../src-main/core/attachments/prepare-attachment'
import { makePdf, makePng } from '../../../fixtures/attachment-files'
import { makeTempDir } from '../../../support/temp-dir'

async function setUp() {
  const store = new AttachmentStore(join(await makeTempDir('attachment-source'), 'attachments'))
  const png = await makePng(2400, 1200)
  const pdfBytes = await makePdf(['Total: 42'])
  const image = await prepareAttachment(store, 'wide.png', png)
  const pdf = await prepareAttachment(store, 'bill.pdf', pdfBytes)
  const text = await prepareAttachment(store, 'notes.txt', Buffer.from('hello'))
  return { store, source: new LocalAttachmentSource(store), image, pdf, pdfBytes, text }
}

describe('LocalAttachmentSource', () => {
  it('gives Bedrock the stored image and the PDF whole, and OpenAI-compatible servers the PDF as text', async () => {
    const { source, image, pdf, pdfBytes, text } = await setUp()
    const refs = [image, pdf, text].map(wireAttachment)
    const bedrock = await source.parts(refs, 'bedrock')
    expect(bedrock.map((p) => p.type)).toEqual(['image', 'document', 'file-text'])
    expect(bedrock[1]).toEqual({ type: 'document', name: 'bill.pdf', format: 'pdf', data: Buffer.from(pdfBytes) })
    const openAi = await source.parts(refs, 'openai-compatible')
    expect(openAi[1]).toEqual({ type: 'file-text', name: 'bill.pdf', text: 'Total: 42' })
    const scaled = openAi[0]!
    expect(scaled.type === 'image' && (await sharp(scaled.data).metadata()).width).toBe(2048)
  })

  it('tells a text-only model it got an image it cannot read, and any model that a file is gone or changed', async () => {
    const { store, source, image, text, pdf } = await setUp()
    expect(await source.parts([wireAttachment(image)], 'text-only')).toEqual([
      { type: 'file-text', name: 'wide.png', text: '[an image this model cannot read]' },
    ])
    await rm(join(store.directory, text.id))
    await writeFile(join(store.directory, pdf.textId!), 'changed')
    expect(await source.parts([text, pdf].map(wireAttachment), 'openai-compatible')).toEqual([
      { type: 'file-text', name: 'notes.txt', text: "[this file is missing on the user's computer]" },
      { type: 'file-text', name: 'bill.pdf', text: "[this file is damaged on the user's computer]" },
    ])
  })
})

describe('attachmentPreview', () => {
  it('makes a small thumbnail and the full image of an image, and nothing of other files', async () => {
    const { store, image, text } = await setUp()
    const thumbnail = await attachmentPreview(store, image.id, 'thumbnail')
    expect(thumbnail.status).toBe('ok')
    const bytes = Buffer.from((thumbnail as { dataUrl: string }).dataUrl.split(',')[1]!, 'base64')
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'jpeg', width: 96, height: 96 })
    const full = await attachmentPreview(store, image.id, 'full')
    expect(full.status === 'ok' && full.dataUrl.startsWith('data:image/png;base64,')).toBe(true)
    expect(await attachmentPreview(store, text.id, 'thumbnail')).toEqual({ status: 'not-an-image' })
    expect(await attachmentPreview(store, 'f'.repeat(64), 'full')).toEqual({ status: 'missing' })
  })
})
