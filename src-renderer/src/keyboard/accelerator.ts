/**
 * Shortcuts in Electron's accelerator notation (`CommandOrControl+Shift+Space`). The app's own shortcuts and the
 * global quick-ask shortcut are written this way, and one parser both matches key presses and formats hints, so a
 * hint can never name a different key from the one that works. Pure (no DOM types), so it is tested in Node.
 */

/** The parts of a KeyboardEvent a shortcut depends on. */
export interface KeyPress {
  key: string
  /** The physical key (`KeyN`): letters still match when a non-Latin layout or an IME changes `key`. */
  code?: string
  ctrlKey: boolean
  metaKey: boolean
  shiftKey: boolean
  altKey: boolean
}

interface Chord {
  ctrl: boolean
  meta: boolean
  alt: boolean
  shift: boolean
  /** The key's accelerator name, canonical case: `N`, `Enter`, `Space`, `F5`. */
  key: string
}

type Modifier = 'mod' | 'ctrl' | 'meta' | 'alt' | 'shift'

const MODIFIERS: Record<string, Modifier> = {
  commandorcontrol: 'mod',
  cmdorctrl: 'mod',
  command: 'meta',
  cmd: 'meta',
  super: 'meta',
  meta: 'meta',
  control: 'ctrl',
  ctrl: 'ctrl',
  alt: 'alt',
  option: 'alt',
  altgr: 'alt',
  shift: 'shift',
}

/** Accelerator key names that differ from `KeyboardEvent.key`. */
const EVENT_KEYS: Record<string, string> = {
  Return: 'Enter',
  Esc: 'Escape',
  Space: ' ',
  Plus: '+',
  Up: 'ArrowUp',
  Down: 'ArrowDown',
  Left: 'ArrowLeft',
  Right: 'ArrowRight',
}

/** Canonical spelling of the named keys, looked up case-insensitively. */
const NAMED_KEYS = new Map(
  [
    'Enter',
    'Return',
    'Escape',
    'Esc',
    'Space',
    'Plus',
    'Tab',
    'Backspace',
    'Delete',
    'Insert',
    'Home',
    'End',
    'PageUp',
    'PageDown',
    'Up',
    'Down',
    'Left',
    'Right',
    'PrintScreen',
    'Capslock',
    'Numlock',
    'Scrolllock',
  ].map((name) => [name.toLowerCase(), name]),
)

/** `CommandOrControl` resolves per platform, so a chord is the platform's concrete keys. */
export function parseAccelerator(accelerator: string, mac: boolean): Chord | undefined {
  const parts = accelerator.split('+').map((part) => part.trim())
  const rawKey = parts.pop()
  if (!rawKey) return undefined
  const chord: Chord = { ctrl: false, meta: false, alt: false, shift: false, key: canonicalKey(rawKey) }
  for (const part of parts) {
    const modifier = MODIFIERS[part.toLowerCase()]
    if (!modifier) return undefined
    chord[modifier === 'mod' ? (mac ? 'meta' : 'ctrl') : modifier] = true
  }
  return chord
}

/** True when `press` is exactly this shortcut: the same key and no modifier more or less. */
export function matchesAccelerator(press: KeyPress, accelerator: string, mac: boolean): boolean {
  const chord = parseAccelerator(accelerator, mac)
  if (!chord) return false
  if (press.ctrlKey !== chord.ctrl || press.metaKey !== chord.meta || press.altKey !== chord.alt) return false
  if (press.shiftKey !== chord.shift) return false
  const expected = EVENT_KEYS[chord.key] ?? chord.key
  if (press.key.toLowerCase() === expected.toLowerCase()) return true
  if (/^[A-Z]$/.test(chord.key)) return press.code === `Key${chord.key}`
  if (/^[0-9]$/.test(chord.key)) return press.code === `Digit${chord.key}`
  return false
}

/** Apple's order and symbols: Control, Option, Shift, Command. */
const MAC_MODIFIERS = [
  ['ctrl', '⌃'],
  ['alt', '⌥'],
  ['shift', '⇧'],
  ['meta', '⌘'],
] as const
const OTHER_MODIFIERS = [
  ['ctrl', 'Ctrl'],
  ['alt', 'Alt'],
  ['shift', 'Shift'],
  ['meta', 'Super'],
] as const

const MAC_KEY_NAMES: Record<string, string> = {
  Enter: 'Return',
  Return: 'Return',
  Escape: 'Esc',
  Esc: 'Esc',
  Plus: '+',
  Up: '↑',
  Down: '↓',
  Left: '←',
  Right: '→',
}
const OTHER_KEY_NAMES: Record<string, string> = {
  Return: 'Enter',
  Escape: 'Esc',
  Plus: '+',
  Up: '↑',
  Down: '↓',
  Left: '←',
  Right: '→',
}

/**
 * How a shortcut is written for the user: `⇧⌘Space` on macOS, `Ctrl+Shift+Space` elsewhere. An accelerator
 * that does not parse is shown as typed.
 */
export function formatAccelerator(accelerator: string, mac: boolean): string {
  const chord = parseAccelerator(accelerator, mac)
  if (!chord) return accelerator
  const modifiers = (mac ? MAC_MODIFIERS : OTHER_MODIFIERS).filter(([name]) => chord[name]).map(([, symbol]) => symbol)
  const key = (mac ? MAC_KEY_NAMES : OTHER_KEY_NAMES)[chord.key] ?? chord.key
  return mac ? [...modifiers, key].join('') : [...modifiers, key].join('+')
}

function canonicalKey(key: string): string {
  if (key.length === 1) return key.toUpperCase()
  if (/^f\d{1,2}$/i.test(key)) return key.toUpperCase()
  return NAMED_KEYS.get(key.toLowerCase()) ?? key
}

/** `KeyboardEvent.key` of the keys a recorded shortcut names differently (the inverse of EVENT_KEYS). */
const RECORDED_KEY_NAMES: Record<string, string> = {
  ' ': 'Space',
  '+': 'Plus',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
}
const MODIFIER_KEYS = new Set(['Control', 'Shift', 'Alt', 'Meta', 'AltGraph', 'OS', 'Hyper', 'Super'])

export type RecordedShortcut =
  | { kind: 'shortcut'; accelerator: string }
  /** Only modifiers so far: keep listening. */
  | { kind: 'incomplete' }
  /** A key without Ctrl, Alt or ⌘ would take that key from every app. */
  | { kind: 'needs-modifier' }
  | { kind: 'cancelled' }

/**
 * A key press as the accelerator a shortcut recorder saves: the primary modifier (⌘ on macOS, Ctrl elsewhere) as
 * `CommandOrControl`, so the saved setting reads right on the user's other computers; letters and digits from the
 * physical key (a non-Latin layout or an IME still records `K`). Escape alone cancels.
 */
export function recordShortcut(press: KeyPress, mac: boolean): RecordedShortcut {
  if (MODIFIER_KEYS.has(press.key)) return { kind: 'incomplete' }
  const anyModifier = press.ctrlKey || press.metaKey || press.altKey || press.shiftKey
  if (press.key === 'Escape' && !anyModifier) return { kind: 'cancelled' }
  const primary = mac ? press.metaKey : press.ctrlKey
  const secondary = mac ? press.ctrlKey : press.metaKey
  if (!primary && !secondary && !press.altKey) return { kind: 'needs-modifier' }
  const key = recordedKey(press)
  if (key === undefined) return { kind: 'incomplete' }
  const modifiers = [
    ...(primary ? ['CommandOrControl'] : []),
    ...(secondary ? [mac ? 'Control' : 'Super'] : []),
    ...(press.altKey ? ['Alt'] : []),
    ...(press.shiftKey ? ['Shift'] : []),
  ]
  return { kind: 'shortcut', accelerator: [...modifiers, key].join('+') }
}

function recordedKey({ key, code }: KeyPress): string | undefined {
  const physical = code && /^(?:Key([A-Z])|Digit([0-9]))$/.exec(code)
  if (physical) return physical[1] ?? physical[2]
  if (RECORDED_KEY_NAMES[key]) return RECORDED_KEY_NAMES[key]
  if (/^F\d{1,2}$/.test(key)) return key
  if (key.length === 1) return key.toUpperCase()
  return NAMED_KEYS.get(key.toLowerCase())
}
