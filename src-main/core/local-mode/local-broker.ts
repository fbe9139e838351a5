/**
 * The embedded MQTT broker of local mode (aedes, MQTT 3.1.1), bound to loopback on a free port. Two identities
 * with fresh random secrets per run, so no other program on the machine can read or inject a stream:
 *   - the app: may connect only with its own client id, subscribe only under its user's prefix, never publish;
 *   - the backend: may publish only to that user's stream topics, never subscribe.
 * This mirrors the AWS IoT policy of cloud mode, where a user is confined to their own topics. Every connection
 * passes the BrokerGuard first, which bounds what an unauthenticated client can make the broker hold.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { Aedes, type AuthenticateError, type Client } from 'aedes'
import { streamTopic, userStreamsFilter } from '../../protocol/stream-protocol'
import type { Clock } from '../../lib/clock'
import { BrokerGuard, CONNECT_DEADLINE_MS, type BrokerRefusal } from './broker-guard'

export interface BrokerIdentity {
  clientId: string
  username: string
  password: string
}

export interface LocalBroker {
  host: string
  port: number
  app: BrokerIdentity
  backend: BrokerIdentity
  /** Connections and operations the broker refused, for diagnostics; `guard`: connections its guard closed. */
  refusals(): { connect: number; subscribe: number; publish: number; guard: Partial<Record<BrokerRefusal, number>> }
  close(): Promise<void>
}

export interface LocalBrokerOptions {
  topicPrefix: string
  userId: string
  /** Times the guard's connect deadline; the system clock unless a test drives it. */
  clock?: Clock
  /** Each connection the guard closed, with why (the app counts them in diagnostics). */
  onGuardRefusal?: (reason: BrokerRefusal) => void
}

const HOST = '127.0.0.1'
const BAD_CREDENTIALS = 4

export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  const { topicPrefix, userId } = options
  const app = identity('app', `streamdesk-app-${userId}`)
  const backend = identity('backend', `streamdesk-backend-${randomBytes(4).toString('hex')}`)
  const ownFilter = userStreamsFilter(topicPrefix, userId)
  const ownTopicStart = streamTopic(topicPrefix, userId, '')
  const refusals = { connect: 0, subscribe: 0, publish: 0 }
  const guard = new BrokerGuard({
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onGuardRefusal ? { onRefusal: options.onGuardRefusal } : {}),
  })

  const broker = await Aedes.createBroker({
    // Only a backstop: the guard's own deadline (until authenticated, counted) comes first.
    connectTimeout: 2 * CONNECT_DEADLINE_MS,
    // A subscriber that stops reading is cut off rather than stalling delivery to everyone else.
    drainTimeout: 10_000,
    authenticate(client, username, password, done) {
      const who = username === app.username ? app : username === backend.username ? backend : undefined
      const ok = who !== undefined && client.id === who.clientId && secretEquals(password, who.password)
      if (ok) {
        guard.authenticated(client.conn)
        return done(null, true)
      }
      refusals.connect += 1
      const error = Object.assign(new Error('bad username or password'), { returnCode: BAD_CREDENTIALS })
      done(error as AuthenticateError, false)
    },
    authorizeSubscribe(client, subscription, done) {
      if (isIdentity(client, app) && subscription.topic === ownFilter) return done(null, subscription)
      refusals.subscribe += 1
      done(null, null) // negated: SUBACK 0x80, the connection stays up
    },
    authorizePublish(client, packet, done) {
      if (client === null) return done(null)
      const level = packet.topic.slice(ownTopicStart.length)
      const ownStream = packet.topic.startsWith(ownTopicStart) && level.length > 0 && !/[/+#]/.test(level)
      if (isIdentity(client, backend) && ownStream) return done(null)
      refusals.publish += 1
      done(new Error(`publish to ${packet.topic} refused`)) // MQTT 3.1.1 has no refusal code: aedes disconnects
    },
  })

  const sockets = new Set<Socket>()
  const server: Server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    const guarded = guard.admit(socket)
    if (guarded) broker.handle(guarded)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('local broker has no TCP address')

  return {
    host: HOST,
    port: address.port,
    app,
    backend,
    refusals: () => ({ ...refusals, guard: guard.refusals() }),
    async close() {
      for (const socket of sockets) socket.destroy()
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => broker.close(() => resolve())),
      ])
    },
  }
}

function identity(role: string, clientId: string): BrokerIdentity {
  return {
    clientId,
    username: `${role}-${randomBytes(4).toString('hex')}`,
    password: randomBytes(32).toString('base64url'),
  }
}

function isIdentity(client: Client | null, who: BrokerIdentity): boolean {
  return client !== null && client.id === who.clientId
}

function secretEquals(given: Readonly<Buffer | undefined>, expected: string): boolean {
  if (!given) return false
  const want = Buffer.from(expected)
  return given.length === want.length && timingSafeEqual(given, want)
}
