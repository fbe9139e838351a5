import { describe, expect, it } from 'vitest'
import type { MessagePart } from '../../../src-main/backend/attachment-parts'
import {
  BEDROCK_LIMITS,
  bedrockContentBlocks,
  documentName,
} from '../../../src-main/backend/providers/bedrock-attachments'

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47])
const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46])
const image = (n = 1): MessagePart => ({ type: 'image', name: `i${n}.png`, mediaType: 'image/png', data: png })
const document = (name: string, data = pdf): MessagePart => ({ type: 'document', name, format: 'pdf', data })

describe('bedrockContentBlocks', () => {
  it('makes image, document and text blocks, files first and the prompt last', () => {
    const blocks = bedrockContentBlocks('Compare them', [
      image(),
      document('Q3 report.final.pdf'),
      { type: 'file-text', name: 'data.csv', text: 'a,b' },
      { type: 'image', name: 'photo.jpg', mediaType: 'image/jpeg', data: png },
    ])
    expect(blocks).toEqual([
      { image: { format: 'png', source: { bytes: png } } },
      { document: { format: 'pdf', name: 'Q3 report final', source: { bytes: pdf } } },
      { text: '<file name="data.csv">\na,b\n</file>' },
      { image: { format: 'jpeg', source: { bytes: png } } },
      { text: 'Compare them' },
    ])
    expect(bedrockContentBlocks('Just text', undefined)).toEqual([{ text: 'Just text' }])
  })

  it('refuses what Converse would: too many images or documents, or one too large', () => {
    const images = Array.from({ length: BEDROCK_LIMITS.images + 1 }, (_, i) => image(i))
    expect(() => bedrockContentBlocks('x', images)).toThrow('at most 20 images')
    const documents = Array.from({ length: BEDROCK_LIMITS.documents + 1 }, (_, i) => document(`d${i}.pdf`))
    expect(() => bedrockContentBlocks('x', documents)).toThrow('at most 5 documents')
    const big = new Uint8Array(BEDROCK_LIMITS.documentBytes + 1)
    expect(() => bedrockContentBlocks('x', [document('big.pdf', big)])).toThrow('big.pdf is larger than Bedrock takes')
    expect(() =>
      bedrockContentBlocks('x', [
        {
          type: 'image',
          name: 'huge.png',
          mediaType: 'image/png',
          data: new Uint8Array(BEDROCK_LIMITS.imageBytes + 1),
        },
      ]),
    ).toThrow('huge.png is larger than Bedrock takes')
  })

  it('names documents as Converse allows, each name once', () => {
    const taken = new Set<string>()
    expect(documentName('report_2024 (draft)!!.pdf', taken)).toBe('report 2024 (draft)')
    expect(documentName('report_2024 (draft)??.pdf', taken)).toBe('report 2024 (draft) (2)')
    expect(documentName('請求書.pdf', taken)).toBe('請求書')
    expect(documentName('....pdf', taken)).toBe('document')
  })
})
