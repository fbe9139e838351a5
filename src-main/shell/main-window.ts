import { BrowserWindow } from 'electron'
import { secureWebPreferences } from './secure-web-preferences'
import type { AppOrigin } from './app-origin'
import { MAIN_WINDOW_MIN } from './window-geometry'
import { loadMainWindowBounds, rememberBounds } from './window-state'
import { resourcePath } from './resources-path'

export interface MainWindowOptions {
  origin: AppOrigin
  preloadPath: string
  /** Whether closing the window should only hide it (the app stays in the tray). Read at each close. */
  keepInTray: () => boolean
  /** True once the app is really quitting: then the window closes for good. */
  quitting: () => boolean
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
    webPreferences: secureWebPreferences(options.preloadPath),
  })
  rememberBounds(window)
  window.once('ready-to-show', () => {
    if (maximized) window.maximize()
    window.show()
  })
  window.on('close', (event) => {
    if (options.quitting() || !options.keepInTray()) return
    event.preventDefault()
    window.hide()
  })
  void window.loadURL(options.origin.rendererUrl)
  return window
}

export function showWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore()
  window.show()
  window.focus()
}
