import type { StreamDeskApi } from '../src-main/shared/ipc-contract'

declare global {
  interface Window {
    /** The IPC contract, exposed by the preload (Electron) or the harness bridge (browser tests). */
    streamdesk: StreamDeskApi
  }
}
