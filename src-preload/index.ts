/**
 * The preload bridge: exposes the IPC contract as `window.streamdesk` and nothing else. Sandboxed, so this file
 * and what it imports are bundled into one CommonJS script; the Electron event object never reaches the page.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import { createStreamDeskApi } from '../src-main/shared/create-api'

const api = createStreamDeskApi({
  invoke: (channel, args) => ipcRenderer.invoke(channel, ...args),
  subscribe(channel, listener) {
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload)
    ipcRenderer.on(channel, forward)
    return () => ipcRenderer.removeListener(channel, forward)
  },
  signal: (channel) => ipcRenderer.send(channel),
  pathOfFile: (file) => webUtils.getPathForFile(file as File),
})

contextBridge.exposeInMainWorld('streamdesk', api)
