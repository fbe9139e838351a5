/**
 * Electron accelerator strings (`CommandOrControl+Shift+Space`), checked before the shell hands them to
 * `globalShortcut.register`, so a typo gets a clear message instead of an exception from Electron.
 */
const MODIFIERS = new Set([
  'Command',
  'Cmd',
  'Control',
  'Ctrl',
  'CommandOrControl',
  'CmdOrCtrl',
  'Alt',
  'Option',
  'AltGr',
  'Shift',
  'Super',
  'Meta',
])
const NAMED_KEYS = new Set([
  'Plus',
  'Space',
  'Tab',
  'Capslock',
  'Numlock',
  'Scrolllock',
  'Backspace',
  'Delete',
  'Insert',
  'Return',
  'Enter',
  'Up',
  'Down',
  'Left',
  'Right',
  'Home',
  'End',
  'PageUp',
  'PageDown',
  'Escape',
  'Esc',
  'PrintScreen',
  ...Array.from({ length: 24 }, (_, i) => `F${i + 1}`),
  ...Array.from({ length: 10 }, (_, i) => `num${i}`),
])
const SINGLE_KEY = /^[A-Za-z0-9)!@#$%^&*(:;<>=_~?,.\-/`{}[\]|\\'"]$/

export const DEFAULT_QUICK_ASK_SHORTCUT = 'CommandOrControl+Shift+Space'

/** Returns why `accelerator` is not usable as a global shortcut, or undefined when it is. */
export function acceleratorProblem(accelerator: string): string | undefined {
  const parts = accelerator.split('+')
  const key = parts.at(-1) ?? ''
  const modifiers = parts.slice(0, -1)
  if (accelerator.trim() === '' || parts.some((p) => p === ''))
    return 'A shortcut looks like CommandOrControl+Shift+Space.'
  const unknown = modifiers.find((m) => !MODIFIERS.has(m))
  if (unknown) return `"${unknown}" is not a modifier key (use Ctrl, Alt, Shift, Command or CommandOrControl).`
  if (new Set(modifiers).size !== modifiers.length) return 'A modifier appears twice.'
  if (MODIFIERS.has(key) || !(NAMED_KEYS.has(key) || SINGLE_KEY.test(key)))
    return `"${key}" is not a key a shortcut can end with.`
  if (modifiers.length === 0 && !/^F\d+$/.test(key)) return 'A global shortcut needs at least one modifier key.'
  return undefined
}
