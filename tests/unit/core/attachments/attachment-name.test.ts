import { describe, expect, it } from 'vitest'
import { checkedAttachmentName } from '../../../../src-main/core/attachments/attachment-name'

describe('checkedAttachmentName', () => {
  it('keeps a plain name, trimmed and NFC', () => {
    expect(checkedAttachmentName('  report 2024.pdf ')).toBe('report 2024.pdf')
    expect(checkedAttachmentName('notes..v2.md')).toBe('notes..v2.md')
    expect(checkedAttachmentName('\u304b\u3099.txt')).toBe('\u304c.txt')
  })

  it.each([
    ['../secret.txt', 'path separator'],
    ['a/b.png', 'path separator'],
    ['C:\\Users\\x.png', 'path separator'],
    ['..', 'not a plain file name'],
    ['..hidden', 'not a plain file name'],
    ['.', 'not a plain file name'],
    ['', 'is empty'],
    ['x\u0000.png', 'control characters'],
    ['invoice\u202egnp.exe', 'control characters'],
    ['a'.repeat(256), 'longer than 255'],
  ])('refuses %j', (name, why) => {
    expect(() => checkedAttachmentName(name)).toThrow(why)
  })
})
