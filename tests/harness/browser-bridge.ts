/**
 * The browser harness's stand-in for the Electron preload: the same `createStreamDeskApi`, with a WebSocket to
 * the harness server as its transport instead of ipcRenderer. Loaded as a classic script before the app.
 */
import { createStreamDeskApi } from '../../src-main/shared/create-api'
import {
  HARNESS_IPC_PATH,
  HARNESS_BYTES_PARAM,
  HARNESS_PAGE_PARAM,
  encodeBinaryRequest,
  encodeBytesAsBase64,
  type HarnessReply,
  type HarnessRequest,
  type HarnessSignal,
} from './harness-protocol'

// The page says which window it stands for, so the harness gives it that window's channels.
const page = location.pathname.endsWith('/quick-ask.html') ? 'quick-ask' : 'main'
// Bytes go in binary frames, as Electron's IPC copies them; `bytes=base64` on this script's URL: the old way (bench).
const bytesAsBase64 =
  new URL((document.currentScript as HTMLScriptElement | null)?.src ?? location.href).searchParams.get(
    HARNESS_BYTES_PARAM,
  ) === 'base64'
const socket = new WebSocket(
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${HARNESS_IPC_PATH}?${HARNESS_PAGE_PARAM}=${page}`,
)
const opened = new Promise<void>((resolve, reject) => {
  socket.addEventListener('open', () => resolve(), { once: true })
  socket.addEventListener('error', () => reject(new Error('harness connection failed')), { once: true })
})
const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
const listeners = new Map<string, Set<(payload: unknown) => void>>()
let nextId = 1

socket.addEventListener('message', (message) => {
  const reply = JSON.parse(String(message.data)) as HarnessReply
  if ('event' in reply) {
    for (const listener of listeners.get(reply.event) ?? []) listener(reply.payload)
    return
  }
  const call = pending.get(reply.id)
  pending.delete(reply.id)
  if (reply.ok) call?.resolve(reply.result)
  else call?.reject(new Error(reply.error))
})

window.streamdesk = createStreamDeskApi({
  async invoke(channel, args) {
    await opened
    const id = nextId++
    const request: HarnessRequest = { id, channel, args }
    const frame = bytesAsBase64
      ? JSON.stringify({ ...request, args: await encodeBytesAsBase64(args) })
      : (encodeBinaryRequest(request) ?? JSON.stringify(request))
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      socket.send(frame)
    })
  },
  subscribe(channel, listener) {
    let set = listeners.get(channel)
    if (!set) listeners.set(channel, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  },
  signal(channel) {
    // After the socket opens, and in order with the invokes made before it.
    void opened.then(() => socket.send(JSON.stringify({ signal: channel } satisfies HarnessSignal)))
  },
})
