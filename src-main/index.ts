/**
 * The Electron main entry: a thin shell. It starts the core (which knows nothing of Electron), applies the
 * security rules, bridges IPC, opens the window, and stops the core's MQTT client and broker on quit.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow } from 'electron'
import { startAppCore, type AppCore } from './core/app-core'
import { applySecurityRules } from './shell/apply-security'
import { bridgeIpc } from './shell/ipc-bridge'
import { createMainWindow } from './shell/main-window'
import { safeStorageCodec } from './shell/safe-storage-codec'
import type { AppOrigin } from './shell/app-origin'

const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined
const origin: AppOrigin = {
  rendererUrl: devServerUrl ?? pathToFileURL(join(import.meta.dirname, '../renderer/index.html')).href,
}
const preloadPath = join(import.meta.dirname, '../preload/index.cjs')

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  let core: AppCore | undefined
  let stopping = false

  app.on('second-instance', () => {
    const window = BrowserWindow.getAllWindows()[0]
    if (window?.isMinimized()) window.restore()
    window?.focus()
  })

  app.whenReady().then(async () => {
    applySecurityRules(origin)
    core = await startAppCore({ userDataDir: app.getPath('userData'), appVersion: app.getVersion(), secrets: safeStorageCodec() })
    bridgeIpc(core, origin)
    createMainWindow(origin, preloadPath)
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createMainWindow(origin, preloadPath)
    })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  // Disconnect the MQTT client and close the broker before the process exits.
  app.on('will-quit', (event) => {
    if (!core || stopping) return
    stopping = true
    event.preventDefault()
    void core.stop().finally(() => app.quit())
  })
}
