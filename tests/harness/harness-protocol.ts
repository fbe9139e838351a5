/**
 * Messages between the browser harness's page bridge and its Node server: one JSON object per WebSocket text frame,
 * except a request that carries bytes, which is one binary frame (`encodeBinaryRequest`).
 */
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
 * The bridge script URL's query parameter that makes it send bytes as base64 in JSON (`bytes=base64`), as it did
 * before binary frames: kept only so the paste bench can show what that costs the page, in the same run.
 */
export const HARNESS_BYTES_PARAM = 'bytes'

/**
 * JSON has no bytes: in a request's JSON a `Uint8Array` argument (a file for `attachments:add`) is a placeholder
 * `{ [BYTES_KEY]: [offset, length] }` into the binary frame's payload (or, with `bytes=base64`, `{ [BYTES_KEY]:
 * base64 }`), and is a `Uint8Array` of its own again on the server, as Electron's structured clone delivers it.
 */
export const BYTES_KEY = '__harnessBytes'

/** The binary frame's first 4 bytes: the JSON header's length in bytes (little-endian), then the header, then the payload. */
const HEADER_LENGTH_BYTES = 4

/**
 * A request whose arguments hold bytes, as one binary frame: `[header length: u32 LE][header: JSON][payload]`, the
 * bytes appended to the payload as they are, never converted. A Blob, so the browser copies them into the frame
 * (and reads it for the socket) off the page's JavaScript: no base64, no 10 MB string to stringify and UTF-8-encode.
 * Undefined when the arguments hold no bytes (the request goes as a text frame).
 */
export function encodeBinaryRequest(request: HarnessRequest): Blob | undefined {
  const payload: Uint8Array[] = []
  let payloadLength = 0
  const withPlaceholders = (value: unknown): unknown => {
    if (value instanceof Uint8Array) {
      payload.push(value)
      payloadLength += value.byteLength
      return { [BYTES_KEY]: [payloadLength - value.byteLength, value.byteLength] }
    }
    if (Array.isArray(value)) return value.map(withPlaceholders)
    if (typeof value === 'object' && value !== null)
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withPlaceholders(item)]))
    return value
  }
  const header = new TextEncoder().encode(JSON.stringify({ ...request, args: withPlaceholders(request.args) }))
  if (payload.length === 0) return undefined
  const headerLength = new Uint8Array(HEADER_LENGTH_BYTES)
  new DataView(headerLength.buffer).setUint32(0, header.byteLength, true)
  return new Blob([headerLength, header, ...(payload as Uint8Array<ArrayBuffer>[])])
}

/**
 * The request in a binary frame and the payload its placeholders point into (`decodeBytes` replaces them, and
 * throws on one outside the payload); undefined if the frame is malformed.
 */
export function decodeBinaryRequest(frame: Uint8Array): { request: HarnessRequest; payload: Uint8Array } | undefined {
  if (frame.byteLength < HEADER_LENGTH_BYTES) return undefined
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true)
  const payloadStart = HEADER_LENGTH_BYTES + headerLength
  if (payloadStart > frame.byteLength) return undefined
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder().decode(frame.subarray(HEADER_LENGTH_BYTES, payloadStart)))
  } catch {
    return undefined
  }
  if (typeof header !== 'object' || header === null) return undefined
  return { request: header as HarnessRequest, payload: frame.subarray(payloadStart) }
}

/** With `bytes=base64`: each `Uint8Array` argument as `{ [BYTES_KEY]: base64 }`, for a JSON text frame. */
export async function encodeBytesAsBase64(value: unknown): Promise<unknown> {
  if (value instanceof Uint8Array) return { [BYTES_KEY]: await base64Of(value) }
  if (Array.isArray(value)) return Promise.all(value.map(encodeBytesAsBase64))
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await encodeBytesAsBase64(item)])),
    )
  return value
}

/** Base64 by the browser's FileReader (which still hands the page a 10 MB string for a 7.7 MB photo). */
function base64Of(bytes: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(',') + 1))
    reader.onerror = () => reject(reader.error ?? new Error('FileReader failed'))
    reader.readAsDataURL(new Blob([bytes as Uint8Array<ArrayBuffer>]))
  })
}

/**
 * Placeholders back to bytes: base64 ones (text frames), and `[offset, length]` ones into a binary frame's `payload`.
 * A placeholder outside the payload is an error (the server answers the request with it), never a short read.
 */
export function decodeBytes(value: unknown, payload?: Uint8Array): unknown {
  if (Array.isArray(value)) return value.map((item) => decodeBytes(item, payload))
  if (typeof value !== 'object' || value === null) return value
  const encoded = (value as Record<string, unknown>)[BYTES_KEY]
  if (typeof encoded === 'string') return Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0))
  if (encoded !== undefined) return payloadBytes(encoded, payload)
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, decodeBytes(item, payload)]))
}

function payloadBytes(range: unknown, payload: Uint8Array | undefined): Uint8Array {
  const [offset, length] = Array.isArray(range) ? (range as unknown[]) : []
  const valid =
    payload !== undefined &&
    Number.isSafeInteger(offset) &&
    Number.isSafeInteger(length) &&
    (offset as number) >= 0 &&
    (length as number) >= 0 &&
    (offset as number) + (length as number) <= payload.byteLength
  if (!valid) throw new Error('harness: a bytes argument outside its frame')
  // A copy (a plain Uint8Array, not a Buffer view into the socket's frame), as structured clone gives main.
  return new Uint8Array(payload.subarray(offset as number, (offset as number) + (length as number)))
}
