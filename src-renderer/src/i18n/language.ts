/** Which language the UI speaks: the user's choice, or with 'system' the first of the OS languages it knows. */
import type { AppPreferences } from '../../../src-main/shared/ipc-contract'

export type LanguagePreference = AppPreferences['language']
export type UiLanguage = Exclude<LanguagePreference, 'system'>

const SUPPORTED: readonly UiLanguage[] = ['en', 'ja']

/** `systemLanguages` is `navigator.languages` (BCP 47 tags, most preferred first); unknown ones are skipped. */
export function resolveLanguage(preference: LanguagePreference, systemLanguages: readonly string[]): UiLanguage {
  if (preference !== 'system') return preference
  for (const tag of systemLanguages) {
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0] as UiLanguage
    if (SUPPORTED.includes(primary)) return primary
  }
  return 'en'
}
