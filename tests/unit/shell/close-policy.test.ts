import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import {
  applyClosePolicy,
  mainWindowCloseAction,
  type CloseAction,
  type ClosableWindow,
} from '../../../src-main/shell/close-policy'

describe('what closing the main window does', () => {
  it('quits on Windows and Linux when the app does not keep running in the tray', () => {
    for (const platform of ['win32', 'linux'] as const) {
      expect(mainWindowCloseAction({ platform, closeToTray: false, quitting: false })).toBe('close-and-quit')
    }
  })

  it('only hides the window when the app keeps running in the tray, on every platform', () => {
    for (const platform of ['win32', 'linux', 'darwin'] as const) {
      expect(mainWindowCloseAction({ platform, closeToTray: true, quitting: false })).toBe('hide')
    }
  })

  it('keeps the app in the dock on macOS', () => {
    expect(mainWindowCloseAction({ platform: 'darwin', closeToTray: false, quitting: false })).toBe('close')
  })

  it('lets the window close once the app is quitting, whatever the tray preference', () => {
    for (const platform of ['win32', 'linux', 'darwin'] as const) {
      for (const closeToTray of [true, false]) {
        expect(mainWindowCloseAction({ platform, closeToTray, quitting: true })).toBe('close')
      }
    }
  })
})

/** Stands in for Electron's BrowserWindow: `close()` emits a preventable 'close', then 'closed' unless prevented. */
class FakeWindow extends EventEmitter implements ClosableWindow {
  visible = true
  destroyed = false
  close(): void {
    let prevented = false
    this.emit('close', { preventDefault: () => (prevented = true) })
    if (prevented) return
    this.destroyed = true
    this.emit('closed')
  }
  hide(): void {
    this.visible = false
  }
}

describe('the close policy applied to the main window', () => {
  function setUp(initial: CloseAction) {
    const window = new FakeWindow()
    // The quick-ask window stays alive, hidden: it must not keep the app from quitting.
    const quickAsk = new FakeWindow()
    quickAsk.hide()
    let action = initial
    let quits = 0
    applyClosePolicy(
      window,
      () => action,
      () => (quits += 1),
    )
    return { window, quickAsk, setAction: (next: CloseAction) => (action = next), quits: () => quits }
  }

  it('hides instead of closing with the tray on, and reads the preference at each close', () => {
    const { window, setAction, quits } = setUp('hide')
    window.close()
    expect(window.destroyed).toBe(false)
    expect(window.visible).toBe(false)
    expect(quits()).toBe(0)
    setAction('close-and-quit')
    window.close()
    expect(window.destroyed).toBe(true)
    expect(quits()).toBe(1)
  })

  it('quits after the window is gone, even though the hidden quick-ask window still exists', () => {
    const { window, quickAsk, quits } = setUp('close-and-quit')
    window.once('close', () => expect(quits()).toBe(0))
    window.close()
    expect(window.destroyed).toBe(true)
    expect(quickAsk.destroyed).toBe(false)
    expect(quits()).toBe(1)
  })

  it('closes without quitting on macOS', () => {
    const { window, quits } = setUp('close')
    window.close()
    expect(window.destroyed).toBe(true)
    expect(quits()).toBe(0)
  })
})
