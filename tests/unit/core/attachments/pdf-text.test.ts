import { describe, expect, it } from 'vitest'
import { extractPdfText } from '../../../../src-main/core/attachments/pdf-text'
import { makePdf, truncated } from '../../../fixtures/attachment-files'

describe('extractPdfText', () => {
  it('reads the text of every page, in order', async () => {
    const result = await extractPdfText(await makePdf(['Quarterly revenue rose 12%', 'Costs fell by a third']))
    expect(result.pages).toBe(2)
    expect(result.text).toBe('Quarterly revenue rose 12%\n\nCosts fell by a third')
  })

  it('leaves the caller’s buffer usable (pdf.js takes the one it is given)', async () => {
    const pdf = await makePdf(['x'])
    await extractPdfText(pdf)
    expect(pdf.length).toBeGreaterThan(0)
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-')
  })

  it('refuses a damaged PDF with a reason', async () => {
    const damaged = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(200, 0x41)])
    await expect(extractPdfText(damaged)).rejects.toMatchObject({ code: 'damaged-pdf' })
    await expect(extractPdfText(truncated(await makePdf(['a', 'b'])))).rejects.toThrow('This PDF cannot be read')
  })
})
