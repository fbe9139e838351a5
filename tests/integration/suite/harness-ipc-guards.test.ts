/**
 * The browser harness's WebSocket carries the app's whole IPC contract to the real core, so it must be as guarded
 * as Electron's IPC: a socket from another origin (any web page open in the same browser) is refused at the
 * handshake; quick ask's page gets quick ask's channels only; and clipboard prefill cannot be switched on by a call
 * alone: the core asks the shell for the user's confirmation (Electron: a native dialog; here the harness option).
 * Bytes (a file for `attachments:add`) cross in a binary frame and reach the core as the same bytes, validated by
 * the same schemas; a frame whose placeholder points outside its payload is answered with an error.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stop as stopEsbuild } from 'esbuild'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startHarness, type Harness, type HarnessOptions } from '../../harness/harness-server'
import {
  BYTES_KEY,
  HARNESS_IPC_PATH,
  encodeBinaryRequest,
  type HarnessReply,
  type HarnessRequest,
} from '../../harness/harness-protocol'
import { makeTempDirSync } from '../../support/temp-dir'

let harness: Harness | undefined

afterEach(async () => {
  await harness?.close()
  harness = undefined
})

// The harness bundles its page bridge with esbuild, whose service process would outlive this file.
afterAll(() => stopEsbuild())

async function start(options: HarnessOptions = {}): Promise<Harness> {
  const rendererDir = join(makeTempDirSync('harness-renderer'), 'renderer')
  mkdirSync(rendererDir)
  writeFileSync(join(rendererDir, 'index.html'), '<html><head></head></html>')
  harness = await startHarness({ rendererDir, ...options })
  return harness
}

function socketUrl(h: Harness, page: string): string {
  return `${h.url.replace('http:', 'ws:').replace(/\/$/, '')}${HARNESS_IPC_PATH}?page=${page}`
}

/** Opens a socket as a page of `origin` would; resolves with it, or with the handshake's HTTP status. */
function connect(url: string, origin: string | undefined): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, origin === undefined ? {} : { origin })
    socket.once('open', () => resolve(socket))
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0))
    socket.once('error', reject)
  })
}

/** One invoke over the socket, as the page bridge sends it (a binary frame when the arguments hold bytes). */
async function invoke(socket: WebSocket, channel: string, args: unknown[]): Promise<HarnessReply> {
  const id = Math.floor(Math.random() * 1e9)
  const request: HarnessRequest = { id, channel, args }
  const binary = encodeBinaryRequest(request)
  return sendAndAwait(socket, id, binary ? new Uint8Array(await binary.arrayBuffer()) : JSON.stringify(request))
}

function sendAndAwait(socket: WebSocket, id: number, frame: string | Uint8Array): Promise<HarnessReply> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const reply = JSON.parse(String(data)) as HarnessReply
      if ('id' in reply && reply.id === id) {
        socket.off('message', onMessage)
        resolve(reply)
      }
    }
    socket.on('message', onMessage)
    socket.send(frame)
  })
}

describe('the browser harness IPC socket', () => {
  it('refuses a socket whose Origin is not the harness itself', async () => {
    const h = await start()
    const ownOrigin = h.url.replace(/\/$/, '')
    expect(await connect(socketUrl(h, 'main'), 'http://attacker.example')).toBe(401)
    expect(await connect(socketUrl(h, 'main'), 'null')).toBe(401)
    expect(await connect(socketUrl(h, 'main'), undefined)).toBe(401)
    const own = await connect(socketUrl(h, 'main'), ownOrigin)
    expect(own).toBeInstanceOf(WebSocket)
    ;(own as WebSocket).close()
  })

  it("gives quick ask's page only quick ask's channels", async () => {
    const h = await start()
    const quick = (await connect(socketUrl(h, 'quick-ask'), h.url.replace(/\/$/, ''))) as WebSocket
    const refused = await invoke(quick, 'settings:set-proxy', ['http://attacker.example:8080'])
    expect(refused).toMatchObject({ ok: false, error: 'settings:set-proxy is not available to the quick-ask window' })
    expect(await invoke(quick, 'settings:get', [])).toMatchObject({ ok: true, result: { hasProxy: false } })
    quick.close()
  })

  it('switches clipboard prefill on only when the user confirms it, outside the page', async () => {
    let answer = false
    const asked: string[] = []
    const h = await start({
      clipboardText: 'secret on the clipboard',
      confirmClipboardPrefill: () => (asked.push('asked'), answer),
    })
    const main = (await connect(socketUrl(h, 'main'), h.url.replace(/\/$/, ''))) as WebSocket
    const quick = (await connect(socketUrl(h, 'quick-ask'), h.url.replace(/\/$/, ''))) as WebSocket

    // Quick ask cannot even ask.
    expect(await invoke(quick, 'settings:set-preferences', [{ prefillFromClipboard: true }])).toMatchObject({
      ok: false,
    })
    expect(asked).toEqual([])
    // The main page can ask; the user says no: it stays off and the clipboard stays unread.
    expect(await invoke(main, 'settings:set-preferences', [{ prefillFromClipboard: true }])).toMatchObject({
      ok: false,
      error: 'Filling quick ask from the clipboard stays off: it was not confirmed.',
    })
    expect(asked).toEqual(['asked'])
    expect(h.core.settings.preferences.prefillFromClipboard).toBe(false)
    expect(await invoke(quick, 'clipboard:read-text', [])).toMatchObject({ ok: true, result: '' })

    // The user allows it: now quick ask gets the clipboard's text. Switching it off asks nothing.
    answer = true
    expect(await invoke(main, 'settings:set-preferences', [{ prefillFromClipboard: true }])).toMatchObject({ ok: true })
    expect(await invoke(quick, 'clipboard:read-text', [])).toMatchObject({
      ok: true,
      result: 'secret on the clipboard',
    })
    expect(await invoke(main, 'settings:set-preferences', [{ prefillFromClipboard: false }])).toMatchObject({
      ok: true,
    })
    expect(asked).toEqual(['asked', 'asked'])
    main.close()
    quick.close()
  })

  it('carries bytes in a binary frame to the core as they are, and answers a malformed one with an error', async () => {
    const h = await start()
    const main = (await connect(socketUrl(h, 'main'), h.url.replace(/\/$/, ''))) as WebSocket
    const text = new TextEncoder().encode('line one\nline two, ünïcode\n')
    const added = await invoke(main, 'attachments:add', [{ name: 'notes.txt', bytes: text }])
    expect(added).toMatchObject({
      ok: true,
      result: { kind: 'text', sizeBytes: text.length, id: createHash('sha256').update(text).digest('hex') },
    })
    // The core's schema still sees a Uint8Array: a name that is not a string is refused as from Electron.
    expect(await invoke(main, 'attachments:add', [{ name: 7, bytes: text }])).toMatchObject({ ok: false })

    // A header whose placeholder claims more bytes than the frame has: an error answer, nothing read short.
    const header = new TextEncoder().encode(
      JSON.stringify({
        id: 42,
        channel: 'attachments:add',
        args: [{ name: 'a.txt', bytes: { [BYTES_KEY]: [0, 10] } }],
      }),
    )
    const frame = new Uint8Array(4 + header.length + 4)
    new DataView(frame.buffer).setUint32(0, header.length, true)
    frame.set(header, 4)
    expect(await sendAndAwait(main, 42, frame)).toEqual({
      id: 42,
      ok: false,
      error: 'harness: a bytes argument outside its frame',
    })
    // A frame too short for its header length is dropped; the socket still answers afterwards.
    main.send(new Uint8Array([255, 255, 0, 0, 1]))
    expect(await invoke(main, 'settings:get', [])).toMatchObject({ ok: true })
    main.close()
  })
})
