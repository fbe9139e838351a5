import { describe, expect, it } from 'vitest'
import { errorMessage } from '../../../src-main/lib/error-message'

describe('errorMessage', () => {
  it("gives an Error's own message, without its class name", () => {
    expect(errorMessage(new TypeError('bad input'))).toBe('bad input')
  })

  it('gives a thrown string as it is', () => {
    expect(errorMessage('plain text')).toBe('plain text')
  })

  it("gives an error-like object's message (errors from another realm or a worker)", () => {
    expect(errorMessage({ message: 'from a worker', code: 'E1' })).toBe('from a worker')
  })

  it('turns anything else into text', () => {
    expect(errorMessage(42)).toBe('42')
    expect(errorMessage(undefined)).toBe('undefined')
    expect(errorMessage(Object.create(null))).toBe('[object Object]')
  })
})
