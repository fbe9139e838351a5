/**
 * The UI strings of the current language. Components read them with `useStrings()` and re-render when the
 * language changes; code outside React (toasts from hooks, markup built by the markdown engine) reads
 * `currentStrings()` at the moment it needs a string, so it follows too.
 */
import { useSyncExternalStore } from 'react'
import { createListenerSet } from '../state/listener-set'
import { en, type Strings } from './en'
import { ja } from './ja'
import { resolveLanguage, type UiLanguage } from './language'

const STRINGS: Record<UiLanguage, Strings> = { en, ja }
const listeners = createListenerSet()
// Until settings arrive, the OS language: a Japanese system never flashes English.
let language: UiLanguage = resolveLanguage('system', navigator.languages)
document.documentElement.lang = language

export function currentStrings(): Strings {
  return STRINGS[language]
}

export function setUiLanguage(next: UiLanguage): void {
  if (next === language) return
  language = next
  // Lets the browser pick Japanese glyphs for CJK text and read the page in the right voice.
  document.documentElement.lang = next
  listeners.notify()
}

export function useStrings(): Strings {
  return useSyncExternalStore(listeners.subscribe, currentStrings)
}

export type { Strings }
