/** Messages between the browser harness's page bridge and its Node server, one JSON object per WebSocket frame. */
export type HarnessRequest = { id: number; channel: string; args: unknown[] }

/** A one-way signal of the contract (`SIGNAL_CHANNELS`), e.g. that the page is ready for events. */
export type HarnessSignal = { signal: string }

export type HarnessReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { event: string; payload: unknown }

export const HARNESS_IPC_PATH = '/__harness/ipc'
export const HARNESS_BRIDGE_PATH = '/__harness/bridge.js'
/** The socket URL's query parameter naming the page: `quick-ask`, or anything else for the main page. */
export const HARNESS_PAGE_PARAM = 'page'
