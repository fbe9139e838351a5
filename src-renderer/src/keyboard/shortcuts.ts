/** The app's keyboard shortcuts, in accelerator notation (see accelerator.ts), and the prompt boxes' send rule. */
import type { AppPreferences } from '../../../src-main/shared/ipc-contract'
import { formatAccelerator, matchesAccelerator, type KeyPress } from './accelerator'
import { onMac } from './platform'

export const SHORTCUTS = {
  newChat: 'CommandOrControl+N',
  focusSearch: 'CommandOrControl+K',
  send: 'CommandOrControl+Enter',
  stop: 'Escape',
  newLine: 'Shift+Enter',
  enter: 'Enter',
} as const

export type SendKey = AppPreferences['sendKey']

/**
 * Whether a key press in a prompt box sends it. Ctrl/Cmd+Enter always sends; plain Enter sends only with the
 * 'enter' preference (with 'mod-enter' it is left to the text box, which inserts a new line). Never while an IME
 * composes: Enter then confirms the conversion (Japanese input depends on this).
 */
export function sendsPrompt(press: KeyPress & { isComposing?: boolean }, sendKey: SendKey, mac: boolean): boolean {
  if (press.isComposing) return false
  if (matchesAccelerator(press, SHORTCUTS.send, mac)) return true
  return sendKey === 'enter' && matchesAccelerator(press, SHORTCUTS.enter, mac)
}

/** What to show for "send" and "new line" under a send-key preference, as accelerators. */
export function sendKeyAccelerators(sendKey: SendKey): { send: string; newLine: string } {
  return sendKey === 'enter'
    ? { send: SHORTCUTS.enter, newLine: SHORTCUTS.newLine }
    : { send: SHORTCUTS.send, newLine: SHORTCUTS.enter }
}

/** A shortcut as this platform writes it, for hints: `⌘N` on macOS, `Ctrl+N` elsewhere. */
export function shortcutLabel(accelerator: string): string {
  return formatAccelerator(accelerator, onMac())
}
