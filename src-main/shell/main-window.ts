import { BrowserWindow } from 'electron'
import { secureWebPreferences } from './secure-web-preferences'
import type { AppOrigin } from './app-origin'
import { applyClosePolicy, type CloseAction } from './close-policy'
import { MAIN_WINDOW_MIN } from './window-geometry'
import { loadMainWindowBounds, rememberBounds } from './window-state'
import { resourcePath } from './resources-path'
import type { WindowRoles } from './window-roles'

export interface MainWindowOptions {
  origin: AppOrigin
  preloadPath: string
  /** Where the window is recorded as the main window, which IPC judges its calls by. */
  roles: WindowRoles
  /** What closing the window does (`mainWindowCloseAction`), read at each close. */
  closeAction: () => CloseAction
  /** Ends the app, after a close whose action is 'close-and-quit'. */
  quit: () => void
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const { maximized, ...bounds } = loadMainWindowBounds()
  const window = new BrowserWindow({
    ...bounds,
    minWidth: MAIN_WINDOW_MIN.width,
    minHeight: MAIN_WINDOW_MIN.height,
    show: false,
    title: 'StreamDesk',
    icon: resourcePath('icon.png'),
    webPreferences: secureWebPreferences(options.preloadPath, {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      disableBlinkFeatures: 'Auxclick',
    }),
  })
  options.roles.assign(window.webContents, 'main')
  rememberBounds(window)
  window.once('ready-to-show', () => {
    if (maximized) window.maximize()
    window.show()
  })
  applyClosePolicy(window, options.closeAction, options.quit)
  void window.loadURL(options.origin.rendererUrl)
  return window
}

export function showWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore()
  window.show()
  window.focus()
}
