/**
 * The browser test harness: runs the main process's real core (broker, backend, aws-crt MQTT session, chat
 * orchestration) in Node and serves the built renderer to a plain browser, whose `window.streamdesk` reaches
 * the core over a WebSocket. The contract is carried generically: every invoke channel goes through the same
 * IPC router as in Electron, every core event is forwarded through the same window-ready queue (held for each page
 * until it signals `app:renderer-ready`), with no per-channel code here.
 *
 * Each socket is one page, as each Electron window is one role: quick ask's page gets quick ask's channels only
 * (`src-main/core/ipc/window-channels.ts`). Here the bridge names its page in the socket URL (a test harness has
 * no windows to ask); the socket is refused unless its Origin is the harness's own, so no other web page open in
 * the browser can drive the core.
 *
 *   npm run harness -- [--port 5174] [--demo]     (after `npm run build`)
 *
 * `--demo` points the default models at a scripted local OpenAI-compatible server, for trying the UI here.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { readFile, writeFile } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { WebSocketServer, type WebSocket } from 'ws'
import { EVENT_CHANNELS } from '../../src-main/shared/ipc-contract'
import { mayReceive, type WindowRole } from '../../src-main/core/ipc/window-channels'
import { startAppCore, type AppCore, type AppCoreOptions } from '../../src-main/core/app-core'
import { plainTextCodec } from '../../src-main/core/settings/settings-store'
import { errorForRenderer } from '../../src-main/core/user-facing-error'
import { WindowReadyQueue, type MessageTarget } from '../../src-main/shell/window-ready-queue'
import {
  HARNESS_BRIDGE_PATH,
  HARNESS_IPC_PATH,
  HARNESS_BYTES_PARAM,
  HARNESS_PAGE_PARAM,
  type HarnessReply,
  decodeBinaryRequest,
  decodeBytes,
  type HarnessRequest,
  type HarnessSignal,
} from './harness-protocol'
import { makeTempDir } from '../support/temp-dir'

const repoRoot = resolve(import.meta.dirname, '../..')
export const BUILT_RENDERER_DIR = join(repoRoot, 'out/renderer')

export interface HarnessOptions {
  userDataDir?: string
  rendererDir?: string
  port?: number
  startRuntime?: AppCoreOptions['startRuntime']
  /** What quick ask reads when the user allows prefilling it from the clipboard. */
  clipboardText?: string
  /** The user's answer to the question that switching clipboard prefill on asks (Electron: a native dialog). */
  confirmClipboardPrefill?: () => boolean
  /** Stands in for the file dialog of "add a model file from disk": the path it returns (undefined: cancelled). */
  pickModelFile?: () => string | undefined
  /** The models offered for download (a test points them at a local server). */
  modelCatalog?: AppCoreOptions['modelCatalog']
  /** Generation settings of embedded GGUF models (a test keeps answers short). */
  embeddedModels?: AppCoreOptions['embeddedModels']
  /** How secrets are kept at rest; default: as with a working keychain. */
  secrets?: AppCoreOptions['secrets']
  /**
   * The page bridge sends bytes as base64 in JSON text frames instead of binary frames: only for the paste bench,
   * to show in the same run what that costs the page's thread.
   */
  bytesAsBase64?: boolean
}

export interface Harness {
  url: string
  core: AppCore
  /** Pages whose bridge is connected, ready or not. */
  connectedPages(): number
  close(): Promise<void>
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const rendererDir = options.rendererDir ?? BUILT_RENDERER_DIR
  await readFile(join(rendererDir, 'index.html'), 'utf8').catch(() => {
    throw new Error(`No built renderer in ${rendererDir}: run \`npm run build\` first.`)
  })
  const userDataDir = options.userDataDir ?? (await makeTempDir('harness'))
  // The browser stands in for the desktop: "open in the main window" becomes the event the main page listens to.
  let events: AppCore['events'] | undefined
  const core = await startAppCore({
    userDataDir,
    appVersion: 'harness',
    secrets: options.secrets ?? plainTextCodec,
    shell: {
      openInMain: (conversationId) => events?.emit('app:open-conversation', conversationId),
      hideQuickAsk: () => {},
      readClipboardText: () => options.clipboardText ?? '',
      confirmClipboardPrefill: async () => options.confirmClipboardPrefill?.() ?? true,
      pickModelFile: async () => options.pickModelFile?.(),
    },
    ...(options.startRuntime ? { startRuntime: options.startRuntime } : {}),
    ...(options.modelCatalog ? { modelCatalog: options.modelCatalog } : {}),
    ...(options.embeddedModels ? { embeddedModels: options.embeddedModels } : {}),
  })
  events = core.events
  const bridge = await bundleBridge()

  const server = createServer((request, response) => {
    serveFile(request, response, { rendererDir, bridge, bytesAsBase64: options.bytesAsBase64 === true }).catch(() =>
      respond(response, 500, 'text/plain', 'error'),
    )
  })
  let ownOrigin = ''
  const sockets = new WebSocketServer({
    server,
    path: HARNESS_IPC_PATH,
    // A 30 MB file (MAX_ATTACHMENT_INPUT_BYTES), even as base64 in JSON (bytesAsBase64).
    maxPayload: 48 * 1024 * 1024,
    // Only the harness's own pages: a socket from any other origin (or none) is refused at the handshake.
    verifyClient: ({ origin }: { origin?: string }) => origin === ownOrigin,
  })
  // Each page (socket) gets the events held until it signals ready, as each Electron window does.
  const pagesQueue = new WindowReadyQueue()
  sockets.on('connection', (socket, request) => {
    const role = pageRole(request)
    const page = pageTarget(socket, role)
    pagesQueue.track(page)
    socket.on('close', () => pagesQueue.forget(page))
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        const binary = decodeBinaryRequest(data as Buffer)
        if (binary) void answer(socket, binary.request, core, role, binary.payload)
        return
      }
      const message = parseMessage(String(data))
      if (message && 'signal' in message) {
        if (message.signal === 'app:renderer-ready') pagesQueue.markReady(page)
      } else if (message) void answer(socket, message, core, role)
    })
  })
  const unsubscribes = EVENT_CHANNELS.map((event) =>
    core.events.on(event, (payload) => pagesQueue.broadcast(event, payload)),
  )

  await new Promise<void>((ready) => server.listen(options.port ?? 0, '127.0.0.1', ready))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  ownOrigin = `http://127.0.0.1:${port}`
  return {
    url: `http://127.0.0.1:${port}/`,
    core,
    connectedPages: () => sockets.clients.size,
    async close() {
      for (const unsubscribe of unsubscribes) unsubscribe()
      for (const client of sockets.clients) client.terminate()
      sockets.close()
      server.closeAllConnections()
      await new Promise<void>((done) => server.close(() => done()))
      await core.stop()
    },
  }
}

/** The page a socket belongs to, as its bridge names it: quick ask's page or the main one. */
function pageRole(request: IncomingMessage): WindowRole {
  const page = new URL(request.url ?? '/', 'http://harness').searchParams.get(HARNESS_PAGE_PARAM)
  return page === 'quick-ask' ? 'quick-ask' : 'main'
}

/** A page's socket as a target of the window-ready queue: the events its window may receive. */
function pageTarget(socket: WebSocket, role: WindowRole): MessageTarget {
  return {
    send: (event, payload) => {
      if (mayReceive(role, event)) socket.send(JSON.stringify({ event, payload } satisfies HarnessReply))
    },
    isDestroyed: () => socket.readyState !== socket.OPEN,
  }
}

function parseMessage(text: string): HarnessRequest | HarnessSignal | undefined {
  try {
    const message: unknown = JSON.parse(text)
    return typeof message === 'object' && message !== null ? (message as HarnessRequest | HarnessSignal) : undefined
  } catch {
    return undefined
  }
}

/** A request's answer; `payload`: the bytes of a binary frame, which its arguments' placeholders point into. */
async function answer(
  socket: WebSocket,
  request: HarnessRequest,
  core: AppCore,
  role: WindowRole,
  payload?: Uint8Array,
): Promise<void> {
  let reply: HarnessReply
  try {
    const args = Array.isArray(request.args) ? (decodeBytes(request.args, payload) as unknown[]) : []
    reply = { id: request.id, ok: true, result: await core.router.invoke(String(request.channel), args, role) }
  } catch (error) {
    // As Electron's ipcMain does: only the message crosses (a keyed message rides in it, see errorForRenderer).
    reply = { id: request.id, ok: false, error: (errorForRenderer(error) as Error).message }
  }
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(reply))
}

async function serveFile(
  request: IncomingMessage,
  response: ServerResponse,
  site: { rendererDir: string; bridge: string; bytesAsBase64: boolean },
): Promise<void> {
  const path = decodeURIComponent(new URL(request.url ?? '/', 'http://harness').pathname)
  if (path === HARNESS_BRIDGE_PATH) return respond(response, 200, CONTENT_TYPES['.js']!, site.bridge)
  const file = normalize(join(site.rendererDir, path === '/' ? 'index.html' : path))
  if (!file.startsWith(site.rendererDir + sep)) return respond(response, 403, 'text/plain', 'forbidden')
  const body = await readFile(file).catch(() => undefined)
  if (!body) return respond(response, 404, 'text/plain', 'not found')
  const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream'
  respond(response, 200, type, extname(file) === '.html' ? withBridge(body.toString('utf8'), site.bytesAsBase64) : body)
}

/**
 * Every page gets the bridge, which must define window.streamdesk before the app's (deferred) module script runs.
 * It goes after the CSP meta tag, so the page's policy governs it too (its WebSocket must pass `connect-src 'self'`).
 */
function withBridge(html: string, bytesAsBase64: boolean): string {
  const src = bytesAsBase64 ? `${HARNESS_BRIDGE_PATH}?${HARNESS_BYTES_PARAM}=base64` : HARNESS_BRIDGE_PATH
  return html.replace('</head>', `  <script src="${src}"></script>\n  </head>`)
}

function respond(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  response.end(body)
}

async function bundleBridge(): Promise<string> {
  const result = await build({
    entryPoints: [join(import.meta.dirname, 'browser-bridge.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
  })
  return result.outputFiles[0]!.text
}

/** `--demo`: settings whose two models answer from a scripted local OpenAI-compatible server. */
async function prepareDemo(userDataDir: string): Promise<void> {
  const { startFakeOpenAiServer, splitIntoDeltas } = await import('../fixtures/fake-openai-server')
  const answer = (name: string) => ({
    kind: 'answer' as const,
    intervalMs: 15,
    deltas: splitIntoDeltas(
      `**${name}** here. This answer streams from a scripted local server.\n\n\`\`\`ts\nconst answer = 42\n\`\`\`\n`,
    ),
  })
  const fake = await startFakeOpenAiServer({ alpha: answer('Alpha'), beta: answer('Beta') })
  const model = (id: string, label: string, name: string) => ({
    id,
    label,
    provider: 'openai-compatible',
    baseUrl: fake.baseUrl,
    model: name,
  })
  const settings = {
    version: 1,
    models: [model('alpha', 'Alpha', 'alpha'), model('beta', 'Beta', 'beta')],
    selectedModelIds: ['alpha', 'beta'],
  }
  await writeFile(join(userDataDir, 'settings.json'), JSON.stringify(settings))
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2)
  const portIndex = args.indexOf('--port')
  const userDataDir = await makeTempDir('harness')
  if (args.includes('--demo')) await prepareDemo(userDataDir)
  const harness = await startHarness({ userDataDir, port: portIndex >= 0 ? Number(args[portIndex + 1]) : 5174 })
  console.log(`StreamDesk harness at ${harness.url} (user data in ${userDataDir}); Ctrl+C stops it.`)
  process.once('SIGINT', () => void harness.close().then(() => process.exit(0)))
}
