import { join } from 'node:path'
import { BrowserWindow } from 'electron'
import { secureWebPreferences } from './secure-web-preferences'
import type { AppOrigin } from './app-origin'

export function createMainWindow(origin: AppOrigin, preloadPath: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'StreamDesk',
    icon: join(import.meta.dirname, '../../resources/icon.png'),
    webPreferences: secureWebPreferences(preloadPath),
  })
  window.once('ready-to-show', () => window.show())
  void window.loadURL(origin.rendererUrl)
  return window
}
