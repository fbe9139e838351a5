import { describe, expect, it } from 'vitest'
import { fileTextBlock, textWithFiles, type MessagePart } from '../../../src-main/backend/attachment-parts'
import { chatCompletionBody, messageContent } from '../../../src-main/backend/providers/openai-compatible'

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47])
const parts: MessagePart[] = [
  { type: 'file-text', name: 'notes "v2".md', text: '# Notes' },
  { type: 'image', name: 'a.png', mediaType: 'image/png', data: png },
]

describe('attachment parts', () => {
  it('names a text file in a tag the model can refer to, its name quoted safely', () => {
    expect(fileTextBlock('notes "v2".md', 'x')).toBe('<file name="notes \\"v2\\".md">\nx\n</file>')
  })

  it('puts text files before the prompt for a text-only engine, and leaves a message without parts as it is', () => {
    expect(textWithFiles('Summarise', parts)).toBe(`${fileTextBlock('notes "v2".md', '# Notes')}\n\nSummarise`)
    expect(textWithFiles('Hi', undefined)).toBe('Hi')
    expect(textWithFiles('Hi', [parts[1]!])).toBe('Hi')
  })

  it('gives an OpenAI-compatible server content parts: files, images as data URLs, then the prompt', () => {
    expect(messageContent('What is this?', parts)).toEqual([
      { type: 'text', text: fileTextBlock('notes "v2".md', '# Notes') },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw==' } },
      { type: 'text', text: 'What is this?' },
    ])
    expect(messageContent('Plain', [])).toBe('Plain')
  })

  it('keeps a message without attachments a plain string in the request body', () => {
    const body = chatCompletionBody('m', [
      { role: 'system', content: 'Be brief' },
      { role: 'user', content: 'Look', parts: [parts[1]!] },
    ])
    expect(body['messages']).toEqual([
      { role: 'system', content: 'Be brief' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw==' } },
          { type: 'text', text: 'Look' },
        ],
      },
    ])
  })
})
