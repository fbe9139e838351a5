import { describe, expect, it } from 'vitest'
import { resolveLanguage } from '../../../src-renderer/src/i18n/language'

describe('resolveLanguage', () => {
  it('takes an explicit choice whatever the system speaks', () => {
    expect(resolveLanguage('ja', ['en-US'])).toBe('ja')
    expect(resolveLanguage('en', ['ja-JP', 'ja'])).toBe('en')
  })

  it('follows the first system language the UI knows', () => {
    expect(resolveLanguage('system', ['ja-JP', 'en-US'])).toBe('ja')
    expect(resolveLanguage('system', ['ja'])).toBe('ja')
    expect(resolveLanguage('system', ['JA_jp'])).toBe('ja')
    expect(resolveLanguage('system', ['en-GB', 'ja'])).toBe('en')
    // An unknown language is skipped, not taken as English.
    expect(resolveLanguage('system', ['fr-FR', 'ja-JP'])).toBe('ja')
  })

  it('falls back to English', () => {
    expect(resolveLanguage('system', [])).toBe('en')
    expect(resolveLanguage('system', ['de-DE', 'fr'])).toBe('en')
    // "jav" (Javanese) is not Japanese.
    expect(resolveLanguage('system', ['jav'])).toBe('en')
  })
})
