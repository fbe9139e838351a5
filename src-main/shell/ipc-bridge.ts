import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron'
import { EVENT_CHANNELS } from '../shared/ipc-contract'
import type { AppCore } from '../core/app-core'
import { isAppUrl, type AppOrigin } from './app-origin'

/**
 * Connects the core's IPC router and events to Electron: each invoke channel gets one `ipcMain.handle`, which
 * first checks that the sender is a frame of the app itself; core events go to every app window.
 */
export function bridgeIpc(core: AppCore, origin: AppOrigin): () => void {
  for (const channel of core.router.channels) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      const frameUrl = event.senderFrame?.url ?? ''
      if (!isAppUrl(frameUrl, origin)) throw new Error(`IPC from an unexpected origin was refused: ${channel}`)
      return core.router.invoke(channel, args)
    })
  }
  const unsubscribes = EVENT_CHANNELS.map((channel) =>
    core.events.on(channel, (payload) => {
      for (const window of BrowserWindow.getAllWindows()) {
        if (!window.isDestroyed() && isAppUrl(window.webContents.getURL(), origin))
          window.webContents.send(channel, payload)
      }
    }),
  )
  return () => {
    for (const channel of core.router.channels) ipcMain.removeHandler(channel)
    for (const unsubscribe of unsubscribes) unsubscribe()
  }
}
