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

/**
 * JSON has no bytes: a `Uint8Array` argument (a file for `attachments:add`) crosses the socket as `{ [BYTES_KEY]:
 * base64 }` and is a `Uint8Array` again on the server, as Electron's structured clone would deliver it.
 */
export const BYTES_KEY = '__harnessBytes'

export async function encodeBytes(value: unknown): Promise<unknown> {
  if (value instanceof Uint8Array) return { [BYTES_KEY]: await base64Of(value) }
  if (Array.isArray(value)) return Promise.all(value.map(encodeBytes))
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await encodeBytes(item)])),
    )
  return value
}

/**
 * Base64 by the browser's FileReader, off the page's main thread: Electron's IPC copies the bytes without such work,
 * so the harness should not add a long task of its own to the page (the paste bench measures the page's).
 */
function base64Of(bytes: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(',') + 1))
    reader.onerror = () => reject(reader.error ?? new Error('FileReader failed'))
    reader.readAsDataURL(new Blob([bytes as Uint8Array<ArrayBuffer>]))
  })
}

export function decodeBytes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeBytes)
  if (typeof value !== 'object' || value === null) return value
  const encoded = (value as Record<string, unknown>)[BYTES_KEY]
  if (typeof encoded === 'string') return Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0))
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, decodeBytes(item)]))
}
