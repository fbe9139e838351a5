/**
 * An HTTP server on a free loopback port, for the tests' stand-in services (model servers, a file host). A handler
 * that throws answers 500 through `onError`, or drops a response already under way; `close()` ends open
 * connections too, since a streaming response would otherwise keep the server open.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface LoopbackServer {
  server: Server
  /** `http://127.0.0.1:<port>` */
  origin: string
  close(): Promise<void>
}

export async function startLoopbackServer(
  handle: (req: IncomingMessage, res: ServerResponse) => unknown,
  onError: (res: ServerResponse, error: unknown) => void = (res, error) =>
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handle(req, res))
      .catch((error: unknown) => (res.headersSent ? res.destroy() : onError(res, error)))
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await closed
    },
  }
}
