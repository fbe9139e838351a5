import { useEffect } from 'react'
import { setUiLanguage } from '../i18n'
import { resolveLanguage, type LanguagePreference } from '../i18n/language'

/** Applies the language preference (once settings have loaded); with 'system', follows the OS as it changes. */
export function useUiLanguage(preference: LanguagePreference | undefined): void {
  useEffect(() => {
    if (preference === undefined) return
    const apply = () => setUiLanguage(resolveLanguage(preference, navigator.languages))
    apply()
    if (preference !== 'system') return
    window.addEventListener('languagechange', apply)
    return () => window.removeEventListener('languagechange', apply)
  }, [preference])
}
