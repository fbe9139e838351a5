/**
 * PDF text extraction in its worker thread: the same text as pdf.js gives on the calling thread, and every way a
 * PDF can fail there (damaged, too long, too slow, too big for the worker's heap) is a refusal with its reason,
 * never a crash of the caller.
 */
import { describe, expect, it } from 'vitest'
import { PDF_TEXT_LIMITS } from '../../../../src-main/core/attachments/attachment-limits'
import { extractPdfText } from '../../../../src-main/core/attachments/pdf-text'
import { extractPdfTextInWorker } from '../../../../src-main/core/attachments/pdf-text-host'
import { makePdf, truncated } from '../../../fixtures/attachment-files'

describe('extractPdfTextInWorker', () => {
  it('gives the same text and page count as extracting on the calling thread', async () => {
    const pages = Array.from({ length: 12 }, (_, i) => `Page ${i + 1}: revenue ${(i + 1) * 7} k€, façade naïve`)
    const pdf = await makePdf(pages)
    const inWorker = await extractPdfTextInWorker(pdf)
    expect(inWorker).toEqual(await extractPdfText(pdf))
    expect(inWorker.pages).toBe(12)
    expect(inWorker.text.split('\n\n')).toEqual(pages)
  })

  it.each([
    [
      'a damaged PDF',
      async () => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(200, 0x41)]),
      { code: 'damaged-pdf', message: 'This PDF cannot be read: it is damaged or not a PDF.' },
    ],
    [
      'a truncated PDF',
      async () => truncated(await makePdf(['a', 'b'])),
      { code: 'damaged-pdf', message: 'This PDF cannot be read: it is damaged or not a PDF.' },
    ],
    [
      'a PDF over the page bound',
      () => makePdf(Array.from({ length: 301 }, (_, i) => `page ${i}`)),
      { code: 'pdf-too-long', message: 'This PDF has 301 pages; at most 300 can be attached.' },
    ],
  ])('refuses %s with its reason', async (_name, pdf, refusal) => {
    await expect(extractPdfTextInWorker(await pdf())).rejects.toMatchObject({
      name: 'AttachmentRefusedError',
      ...refusal,
    })
  })

  it('refuses a PDF that takes longer than its time bound, and stops its worker', async () => {
    // 200 pages take the worker hundreds of milliseconds; a loaded machine only makes them slower. (One page can be
    // read within a 1 ms bound by a warm worker.)
    const pages = Array.from({ length: 200 }, (_, i) => `page ${i} of a long document`)
    await expect(
      extractPdfTextInWorker(await makePdf(pages), { ...PDF_TEXT_LIMITS, timeoutMs: 20 }),
    ).rejects.toMatchObject({
      code: 'pdf-too-slow',
      message: 'This PDF took longer than 0 s to read, so it was not attached.',
    })
    // The next PDF gets a worker of its own.
    expect((await extractPdfTextInWorker(await makePdf(['slow']))).text).toBe('slow')
  })

  it('refuses a PDF whose reading outgrows the worker’s heap bound', async () => {
    const pdf = await makePdf(['heavy'])
    await expect(extractPdfTextInWorker(pdf, { ...PDF_TEXT_LIMITS, maxHeapMb: 1 })).rejects.toMatchObject({
      code: 'pdf-too-large',
    })
  })
})
