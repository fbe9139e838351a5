import {
  EVENT_CHANNELS,
  INVOKE_CHANNELS,
  SIGNAL_CHANNELS,
  type EventChannel,
  type EventContract,
  type InvokeChannel,
  type SignalChannel,
  type StreamDeskApi,
} from './ipc-contract'

/** The three things a transport must do; the Electron preload and the browser harness each supply one. */
export interface ApiTransport {
  invoke(channel: InvokeChannel, args: unknown[]): Promise<unknown>
  subscribe(channel: EventChannel, listener: (payload: unknown) => void): () => void
  signal(channel: SignalChannel): void
  /** Where a picked file is on disk, when the transport can tell (Electron's webUtils); '' or absent otherwise. */
  pathOfFile?(file: Blob): string
}

const invokeChannels: ReadonlySet<string> = new Set(INVOKE_CHANNELS)
const eventChannels: ReadonlySet<string> = new Set(EVENT_CHANNELS)
const signalChannels: ReadonlySet<string> = new Set(SIGNAL_CHANNELS)

/**
 * Builds `window.streamdesk` over a transport. Only the contract's channels pass, so a compromised page cannot
 * reach any other IPC channel through this object, and listeners never see the transport's event object.
 */
export function createStreamDeskApi(transport: ApiTransport): StreamDeskApi {
  return {
    invoke(channel, ...args) {
      if (!invokeChannels.has(channel)) {
        return Promise.reject(new Error(`Unknown IPC channel: ${String(channel)}`))
      }
      // Main reads a file to import from its path: a path comes only from importHistoryFile (webUtils), so a
      // compromised page cannot make main read a file the user never chose.
      if (channel === 'history:import' && typeof args[0] !== 'string') {
        return Promise.reject(new Error('history:import takes the file through importHistoryFile, never a path.'))
      }
      return transport.invoke(channel, args) as never
    },
    async importHistoryFile(file) {
      const path = transport.pathOfFile?.(file) || undefined
      const source = path !== undefined ? { path } : await file.text()
      return transport.invoke('history:import', [source]) as never
    },
    on<E extends EventChannel>(event: E, listener: (payload: EventContract[E]) => void) {
      if (!eventChannels.has(event)) throw new Error(`Unknown IPC event: ${String(event)}`)
      if (typeof listener !== 'function') throw new TypeError('listener must be a function')
      return transport.subscribe(event, listener as (payload: unknown) => void)
    },
    signal(channel) {
      if (!signalChannels.has(channel)) throw new Error(`Unknown IPC signal: ${String(channel)}`)
      transport.signal(channel)
    },
  }
}
