/**
 * Which language the UI speaks: the user's choice, or with 'system' the first of the OS languages it knows. Shared:
 * the renderer's pages and the main process's menus speak the same one.
 */
import type { AppPreferences } from './ipc-contract'

export type LanguagePreference = AppPreferences['language']
export type UiLanguage = Exclude<LanguagePreference, 'system'>

const SUPPORTED: readonly UiLanguage[] = ['en', 'ja']

/**
 * `systemLanguages`: the page's `navigator.languages` or main's `app.getPreferredSystemLanguages()` (BCP 47 tags, most
 * preferred first); unknown ones are skipped.
 */
export function resolveLanguage(preference: LanguagePreference, systemLanguages: readonly string[]): UiLanguage {
  if (preference !== 'system') return preference
  for (const tag of systemLanguages) {
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0] as UiLanguage
    if (SUPPORTED.includes(primary)) return primary
  }
  return 'en'
}
