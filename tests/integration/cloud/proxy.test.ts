/**
 * A corporate HTTP proxy with Basic credentials, played by a small CONNECT proxy in this process: the IoT
 * WebSocket (aws-crt) and the AWS SDK clients both tunnel through it with the same ProxyConfig.
 */
import { createServer, type IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CognitoAuth } from '../../../src-main/core/cloud/cognito-auth'
import { iotWebSocketConnectionConfig } from '../../../src-main/core/cloud/iot-connection-config'
import { resolveProxy, type ProxyConfig } from '../../../src-main/lib/http-proxy'
import { MqttSession } from '../../../src-main/core/mqtt/mqtt-session'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { createTestCertificates, type TestCertificates } from '../../support/tls-certificates'
import { CLOUD_CONFIG, tempTokenStore } from '../../unit/cloud/cloud-fixtures'

const USERNAME = 'jo@corp'
const PASSWORD = 'p@ss:word/1'

interface Tunnel {
  target: string
  authorized: boolean
}

/** An HTTP CONNECT proxy requiring Basic credentials; it only dials loopback (AWS is unreachable here). */
async function startConnectProxy() {
  const tunnels: Tunnel[] = []
  const sockets = new Set<Socket>()
  const expected = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`
  const server = createServer((_request, response) => response.writeHead(405).end())
  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client)
    client.on('error', () => client.destroy())
    const target = request.url ?? ''
    const authorized = request.headers['proxy-authorization'] === expected
    tunnels.push({ target, authorized })
    if (!authorized)
      return void client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\n\r\n',
      )
    const [host, port] = target.split(':')
    if (host !== 'localhost' && host !== '127.0.0.1')
      return void client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n')
    const upstream = connect(Number(port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('proxy has no port')
  return {
    port: address.port,
    tunnels,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

let certificates: TestCertificates
let mosquitto: Mosquitto
let proxy: Awaited<ReturnType<typeof startConnectProxy>>

beforeAll(async () => {
  certificates = await createTestCertificates()
  mosquitto = await startMosquitto({ tlsWebsockets: certificates })
  proxy = await startConnectProxy()
})
afterAll(async () => {
  await proxy?.close()
  await mosquitto?.stop()
})

const proxyFromEnv = (password = PASSWORD): ProxyConfig =>
  resolveProxy({
    env: {
      HTTPS_PROXY: `http://${encodeURIComponent(USERNAME)}:${encodeURIComponent(password)}@127.0.0.1:${proxy.port}`,
    },
  })!

function iotSessionThrough(proxyConfig: ProxyConfig) {
  return new MqttSession({
    connectAttempts: 1,
    buildConfig: () =>
      iotWebSocketConnectionConfig({
        endpoint: 'localhost',
        region: 'us-east-1',
        clientId: `us-east-1:${randomUUID()}`,
        credentials: () => ({
          accessKeyId: 'ASIAFAKE',
          secretAccessKey: 'x',
          sessionToken: 'y',
          expiration: new Date(Date.now() + 3_600_000),
        }),
        port: mosquitto.websocketPort!,
        caFile: certificates.caFile,
        proxy: proxyConfig,
      }),
  })
}

describe('through an authenticating HTTP proxy', () => {
  it('the IoT WebSocket tunnels through the proxy with its credentials and works end to end', async () => {
    proxy.tunnels.length = 0
    const session = iotSessionThrough(proxyFromEnv())
    try {
      await session.connect()
      const received: string[] = []
      await session.subscribe('through/proxy', (_topic, payload) => received.push(new TextDecoder().decode(payload)))
      await session.publish('through/proxy', 'hello via proxy')
      await expect.poll(() => received).toEqual(['hello via proxy'])
      expect(proxy.tunnels).toEqual([{ target: `localhost:${mosquitto.websocketPort}`, authorized: true }])
    } finally {
      await session.close()
    }
  })

  it('a wrong proxy password is refused by the proxy', async () => {
    proxy.tunnels.length = 0
    const session = iotSessionThrough(proxyFromEnv('wrong'))
    try {
      await expect(session.connect()).rejects.toThrow(/MQTT connect failed/)
      expect(proxy.tunnels).toEqual([{ target: `localhost:${mosquitto.websocketPort}`, authorized: false }])
    } finally {
      await session.close()
    }
  })

  it('AWS SDK calls (here Cognito) tunnel through the same proxy with the same credentials', async () => {
    proxy.tunnels.length = 0
    const auth = new CognitoAuth({ config: CLOUD_CONFIG, store: await tempTokenStore(), proxy: proxyFromEnv() })
    // The proxy does not dial out, so the call fails (after the SDK's retries); what matters is the road it took.
    const failure = await auth.signIn('ada@example.com', 'a password').catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 'network', message: expect.stringMatching(/proxy settings/) })
    expect(new Set(proxy.tunnels.map(({ target, authorized }) => `${target} ${authorized}`))).toEqual(
      new Set(['cognito-idp.us-east-1.amazonaws.com:443 true']),
    )
  })
})
