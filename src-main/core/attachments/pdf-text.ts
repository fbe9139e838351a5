/**
 * A PDF's text, for models that read text but not documents, with pdf.js (Mozilla's PDF engine, the legacy build
 * for Node). `isEvalSupported: false`: a PDF's fonts never become JavaScript; fonts are not loaded as faces at all,
 * only text is wanted. A PDF pdf.js cannot open (damaged, encrypted) is refused with its reason.
 */
import { formatBytes } from '../../shared/format-bytes'
import { AttachmentRefusedError } from './attachment-refusal'
import { userMessage } from '../../shared/user-message'
import { MAX_PDF_PAGES, MAX_PDF_TEXT_BYTES } from './attachment-limits'

export interface PdfText {
  text: string
  pages: number
}

export async function extractPdfText(bytes: Uint8Array): Promise<PdfText> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs')
  // pdf.js takes ownership of the buffer it is given (it transfers it), so it gets a copy.
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  })
  try {
    let document: Awaited<typeof task.promise>
    try {
      document = await task.promise
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'PasswordException'
          ? 'it is password-protected'
          : 'it is damaged or not a PDF'
      throw new AttachmentRefusedError(
        'damaged-pdf',
        `This PDF cannot be read: ${reason}.`,
        userMessage('attachment:damaged-pdf', {}, reason),
      )
    }
    if (document.numPages > MAX_PDF_PAGES)
      throw new AttachmentRefusedError(
        'pdf-too-long',
        `This PDF has ${document.numPages} pages; at most ${MAX_PDF_PAGES} can be attached.`,
        userMessage('attachment:pdf-too-long', { pages: document.numPages, maxPages: MAX_PDF_PAGES }),
      )
    const pages: string[] = []
    let bytesSoFar = 0
    for (let number = 1; number <= document.numPages; number++) {
      const page = await document.getPage(number)
      const content = await page.getTextContent()
      const text = content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join('')
      page.cleanup()
      bytesSoFar += Buffer.byteLength(text)
      if (bytesSoFar > MAX_PDF_TEXT_BYTES)
        throw new AttachmentRefusedError(
          'pdf-too-long',
          `This PDF holds more text than a prompt can carry (${formatBytes(MAX_PDF_TEXT_BYTES)}).`,
          userMessage('attachment:pdf-too-much-text', { limitBytes: MAX_PDF_TEXT_BYTES }),
        )
      pages.push(text.trim())
    }
    return { text: pages.join('\n\n'), pages: document.numPages }
  } finally {
    await task.destroy()
  }
}
