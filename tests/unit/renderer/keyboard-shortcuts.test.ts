import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { acceleratorProblem } from '../../../src-main/core/settings/accelerator'
import {
  formatAccelerator,
  matchesAccelerator,
  recordShortcut,
  type KeyPress,
} from '../../../src-renderer/src/keyboard/accelerator'
import { detectMac } from '../../../src-renderer/src/keyboard/platform'
import { SHORTCUTS, sendKeyAccelerators, sendsPrompt } from '../../../src-renderer/src/keyboard/shortcuts'

const press = (key: string, modifiers: Partial<Omit<KeyPress, 'key'>> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...modifiers,
})

describe('matchesAccelerator', () => {
  it('reads CommandOrControl as Cmd on macOS and Ctrl elsewhere', () => {
    expect(matchesAccelerator(press('n', { ctrlKey: true }), SHORTCUTS.newChat, false)).toBe(true)
    expect(matchesAccelerator(press('n', { metaKey: true }), SHORTCUTS.newChat, false)).toBe(false)
    expect(matchesAccelerator(press('n', { metaKey: true }), SHORTCUTS.newChat, true)).toBe(true)
    expect(matchesAccelerator(press('n', { ctrlKey: true }), SHORTCUTS.newChat, true)).toBe(false)
  })

  it('wants exactly the modifiers named: no more, no fewer', () => {
    expect(matchesAccelerator(press('k'), SHORTCUTS.focusSearch, false)).toBe(false)
    expect(matchesAccelerator(press('K', { ctrlKey: true, shiftKey: true }), SHORTCUTS.focusSearch, false)).toBe(false)
    expect(matchesAccelerator(press('k', { ctrlKey: true, altKey: true }), SHORTCUTS.focusSearch, false)).toBe(false)
    expect(matchesAccelerator(press('k', { ctrlKey: true }), SHORTCUTS.focusSearch, false)).toBe(true)
    expect(matchesAccelerator(press('Escape'), SHORTCUTS.stop, false)).toBe(true)
    expect(matchesAccelerator(press('Escape', { shiftKey: true }), SHORTCUTS.stop, false)).toBe(false)
  })

  it('matches letters by case or by physical key (a non-Latin layout or an IME changes `key`)', () => {
    expect(matchesAccelerator(press('N', { ctrlKey: true }), SHORTCUTS.newChat, false)).toBe(true)
    expect(matchesAccelerator({ ...press('т', { ctrlKey: true }), code: 'KeyN' }, SHORTCUTS.newChat, false)).toBe(true)
    expect(matchesAccelerator({ ...press('т', { ctrlKey: true }), code: 'KeyM' }, SHORTCUTS.newChat, false)).toBe(false)
  })

  it('knows the accelerator names of named keys', () => {
    expect(
      matchesAccelerator(press(' ', { ctrlKey: true, shiftKey: true }), 'CommandOrControl+Shift+Space', false),
    ).toBe(true)
    expect(matchesAccelerator(press('Enter', { ctrlKey: true }), 'Ctrl+Return', false)).toBe(true)
    expect(matchesAccelerator(press('ArrowUp', { altKey: true }), 'Alt+Up', false)).toBe(true)
    expect(matchesAccelerator(press('F5'), 'F5', false)).toBe(true)
    expect(matchesAccelerator(press('n', { ctrlKey: true }), 'Hyper+N', false)).toBe(false)
  })
})

describe('sendsPrompt', () => {
  it("with 'enter': Enter sends, Shift+Enter is left to the text box", () => {
    expect(sendsPrompt(press('Enter'), 'enter', false)).toBe(true)
    expect(sendsPrompt(press('Enter', { shiftKey: true }), 'enter', false)).toBe(false)
    expect(sendsPrompt(press('Enter', { ctrlKey: true }), 'enter', false)).toBe(true)
  })

  it("with 'mod-enter': only Ctrl/Cmd+Enter sends, so Enter makes a new line", () => {
    expect(sendsPrompt(press('Enter'), 'mod-enter', false)).toBe(false)
    expect(sendsPrompt(press('Enter', { ctrlKey: true }), 'mod-enter', false)).toBe(true)
    expect(sendsPrompt(press('Enter', { metaKey: true }), 'mod-enter', true)).toBe(true)
    expect(sendsPrompt(press('Enter', { ctrlKey: true }), 'mod-enter', true)).toBe(false)
  })

  it('never sends while an IME composes (Enter confirms the conversion)', () => {
    expect(sendsPrompt({ ...press('Enter'), isComposing: true }, 'enter', false)).toBe(false)
    expect(sendsPrompt({ ...press('Enter', { ctrlKey: true }), isComposing: true }, 'mod-enter', false)).toBe(false)
  })

  it('names the keys to show for each preference', () => {
    expect(sendKeyAccelerators('enter')).toEqual({ send: 'Enter', newLine: 'Shift+Enter' })
    expect(sendKeyAccelerators('mod-enter')).toEqual({ send: 'CommandOrControl+Enter', newLine: 'Enter' })
  })
})

describe('formatAccelerator', () => {
  it('writes macOS shortcuts with Apple’s symbols, in Apple’s order', () => {
    expect(formatAccelerator('CommandOrControl+Shift+Space', true)).toBe('⇧⌘Space')
    expect(formatAccelerator('CommandOrControl+N', true)).toBe('⌘N')
    expect(formatAccelerator('CmdOrCtrl+Enter', true)).toBe('⌘Return')
    expect(formatAccelerator('Shift+Alt+Control+Command+K', true)).toBe('⌃⌥⇧⌘K')
    expect(formatAccelerator('Escape', true)).toBe('Esc')
  })

  it('writes other platforms’ shortcuts with Ctrl and plus signs', () => {
    expect(formatAccelerator('CommandOrControl+Shift+Space', false)).toBe('Ctrl+Shift+Space')
    expect(formatAccelerator('CommandOrControl+k', false)).toBe('Ctrl+K')
    expect(formatAccelerator('Shift+Alt+Ctrl+F5', false)).toBe('Ctrl+Alt+Shift+F5')
    expect(formatAccelerator('Super+Plus', false)).toBe('Super++')
    expect(formatAccelerator('Enter', false)).toBe('Enter')
  })

  it('shows an accelerator it cannot read as typed', () => {
    expect(formatAccelerator('Hyper+X', false)).toBe('Hyper+X')
    expect(formatAccelerator('', true)).toBe('')
  })
})

describe('detectMac', () => {
  it('prefers User-Agent Client Hints, falls back to navigator.platform', () => {
    expect(detectMac({ userAgentData: { platform: 'macOS' }, platform: 'Win32' })).toBe(true)
    expect(detectMac({ platform: 'MacIntel' })).toBe(true)
    expect(detectMac({ userAgentData: { platform: 'Windows' } })).toBe(false)
    expect(detectMac({ userAgentData: { platform: '' }, platform: 'Linux x86_64' })).toBe(false)
    expect(detectMac(undefined)).toBe(false)
  })
})

describe('recordShortcut', () => {
  const pressOf = (key: string, code: string, modifiers: Partial<KeyPress> = {}): KeyPress => ({
    key,
    code,
    ctrlKey: false,
    metaKey: false,
    shiftKey: false,
    altKey: false,
    ...modifiers,
  })
  const recorded = (result: ReturnType<typeof recordShortcut>) =>
    result.kind === 'shortcut' ? result.accelerator : result.kind

  it('records the primary modifier as CommandOrControl, so the setting reads right on either platform', () => {
    expect(recorded(recordShortcut(pressOf('k', 'KeyK', { ctrlKey: true, shiftKey: true }), false))).toBe(
      'CommandOrControl+Shift+K',
    )
    expect(recorded(recordShortcut(pressOf('k', 'KeyK', { metaKey: true, shiftKey: true }), true))).toBe(
      'CommandOrControl+Shift+K',
    )
    expect(recorded(recordShortcut(pressOf('k', 'KeyK', { ctrlKey: true }), true))).toBe('Control+K')
    expect(recorded(recordShortcut(pressOf('k', 'KeyK', { metaKey: true }), false))).toBe('Super+K')
    expect(recorded(recordShortcut(pressOf(' ', 'Space', { altKey: true }), false))).toBe('Alt+Space')
  })

  it('names keys by the physical key, or as accelerators spell them', () => {
    // A Japanese IME or a Cyrillic layout changes `key`, not the key the user pressed.
    expect(recorded(recordShortcut(pressOf('л', 'KeyK', { ctrlKey: true }), false))).toBe('CommandOrControl+K')
    expect(recorded(recordShortcut(pressOf('!', 'Digit1', { ctrlKey: true, shiftKey: true }), false))).toBe(
      'CommandOrControl+Shift+1',
    )
    expect(recorded(recordShortcut(pressOf('ArrowUp', 'ArrowUp', { altKey: true }), false))).toBe('Alt+Up')
    expect(recorded(recordShortcut(pressOf('F5', 'F5', { ctrlKey: true }), false))).toBe('CommandOrControl+F5')
    expect(recorded(recordShortcut(pressOf('/', 'Slash', { ctrlKey: true }), false))).toBe('CommandOrControl+/')
  })

  it('waits through modifiers, refuses a key without Ctrl, Alt or ⌘, and cancels on Escape', () => {
    expect(recorded(recordShortcut(pressOf('Control', 'ControlLeft', { ctrlKey: true }), false))).toBe('incomplete')
    expect(recorded(recordShortcut(pressOf('k', 'KeyK'), false))).toBe('needs-modifier')
    expect(recorded(recordShortcut(pressOf('K', 'KeyK', { shiftKey: true }), false))).toBe('needs-modifier')
    expect(recorded(recordShortcut(pressOf('Escape', 'Escape'), false))).toBe('cancelled')
  })

  it('records what main accepts and what then matches the same press', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          ['k', 'KeyK'],
          ['1', 'Digit1'],
          [' ', 'Space'],
          ['ArrowLeft', 'ArrowLeft'],
          ['F12', 'F12'],
          ['Enter', 'Enter'],
          ['Tab', 'Tab'],
          [',', 'Comma'],
          ['PageDown', 'PageDown'],
        ),
        fc.record({ ctrlKey: fc.boolean(), metaKey: fc.boolean(), altKey: fc.boolean(), shiftKey: fc.boolean() }),
        fc.boolean(),
        ([key, code], modifiers, mac) => {
          const result = recordShortcut(pressOf(key, code, modifiers), mac)
          if (result.kind !== 'shortcut') return
          expect(acceleratorProblem(result.accelerator)).toBeUndefined()
          expect(matchesAccelerator(pressOf(key, code, modifiers), result.accelerator, mac)).toBe(true)
        },
      ),
    )
  })
})
