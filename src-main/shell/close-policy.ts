/**
 * What closing the main window does. Only the main window counts: the quick-ask window lives on hidden from start
 * to quit, so Electron's `window-all-closed` never fires while it exists and cannot be what ends the app.
 * No `electron` here, so Node tests check the decision and its wiring.
 */

/** 'hide': the app stays in the tray; 'close': the window goes, the app stays; 'close-and-quit': both go. */
export type CloseAction = 'hide' | 'close' | 'close-and-quit'

export interface CloseContext {
  platform: NodeJS.Platform
  /** The "keep running in the tray" preference. */
  closeToTray: boolean
  /** The app is already quitting (tray Quit, Cmd+Q, the OS logging out): nothing may hold it back. */
  quitting: boolean
}

export function mainWindowCloseAction({ platform, closeToTray, quitting }: CloseContext): CloseAction {
  if (quitting) return 'close'
  if (closeToTray) return 'hide'
  // macOS convention: closing the last window leaves the app in the dock; its icon (`activate`) opens a new one.
  return platform === 'darwin' ? 'close' : 'close-and-quit'
}

/** The part of a BrowserWindow the policy needs. */
export interface ClosableWindow {
  on(event: 'close', listener: (event: { preventDefault(): void }) => void): unknown
  once(event: 'closed', listener: () => void): unknown
  hide(): void
}

/** Applies `decide()` (read at each close, as the preference may change) to every close of `window`. */
export function applyClosePolicy(window: ClosableWindow, decide: () => CloseAction, quit: () => void): void {
  window.on('close', (event) => {
    const action = decide()
    if (action === 'hide') {
      event.preventDefault()
      window.hide()
    } else if (action === 'close-and-quit') {
      // Once the window is gone, so quitting does not close it a second time from inside its own close.
      window.once('closed', quit)
    }
  })
}
