import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmod, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { freePort } from './free-port'
import { IP } from './netns'
import { findTool } from './test-tools'
import { makeTempDir } from './temp-dir'

export interface Mosquitto {
  host: string
  port: number
  /** The TLS WebSocket listener's port, when one was asked for. */
  websocketPort?: number
  stop(): Promise<void>
}

export interface MosquittoOptions {
  /** Also listen for MQTT over TLS WebSockets (as AWS IoT Core does on 443) with this certificate. */
  tlsWebsockets?: { certFile: string; keyFile: string }
  /** Listen on this port instead of a free one (e.g. to restart a broker where its clients expect it). */
  port?: number
  /** The MQTT listener's address: 127.0.0.1 by default; '0.0.0.0' for every interface (of its namespace). */
  listenAddress?: string
  /** The address tests connect to (and the returned `host`): the listener's address, or 127.0.0.1 for 0.0.0.0. */
  host?: string
  /** Run inside this network namespace (`ip netns exec`); `host` must then be reachable from the caller's. */
  netns?: string
  /** Persistence on (sessions, subscriptions and queued QoS 1 messages survive a restart), kept in this directory. */
  persistenceDir?: string
  /** More lines for mosquitto.conf. */
  extraConfig?: string[]
  /**
   * Access control, as a stand-in for an IoT policy: `acl` is the ACL file's lines (its topic lines before any
   * `user` line are what clients without a user name get), `users` the name/password pairs that may log in, and
   * `clientIdPrefix` the one prefix every client id must start with (Mosquitto refuses the CONNECT otherwise).
   */
  access?: { acl: string[]; users?: Record<string, string>; clientIdPrefix?: string }
}

/**
 * Starts a real Mosquitto broker (Debian's `mosquitto` package, which `npm test` installs first where it can) on a
 * free loopback port, anonymous access, for the duration of a test file.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const binary = findTool('mosquitto')
  if (!binary) throw new Error('mosquitto is not installed: `npm test` says how to install it')
  const port = options.port ?? (await freePort())
  const listenAddress = options.listenAddress ?? '127.0.0.1'
  const host = options.host ?? (listenAddress === '0.0.0.0' ? '127.0.0.1' : listenAddress)
  const websocketPort = options.tlsWebsockets ? await freePort() : undefined
  const dir = await makeTempDir('mosquitto')
  const config = join(dir, 'mosquitto.conf')
  // Mosquitto 2.0 starts a websockets listener only next to a plain one, so the TCP listener is always there.
  const tls = options.tlsWebsockets
  const websocketListener = tls
    ? [
        `listener ${websocketPort} 127.0.0.1`,
        'protocol websockets',
        `certfile ${tls.certFile}`,
        `keyfile ${tls.keyFile}`,
      ]
    : []
  // Started as root, Mosquitto drops to the `mosquitto` user, which must be able to write its database there.
  if (options.persistenceDir) await chmod(options.persistenceDir, 0o777)
  const persistence = options.persistenceDir
    ? ['persistence true', `persistence_location ${options.persistenceDir.replace(/\/?$/, '/')}`, 'autosave_interval 1']
    : ['persistence false']
  const settings = [
    'allow_anonymous true',
    ...(options.access ? await accessConfig(dir, options.access) : []),
    'set_tcp_nodelay true',
    ...persistence,
    ...(options.extraConfig ?? []),
    'log_dest stderr',
    'log_type error',
    '',
  ]
  const listener = listenAddress === '0.0.0.0' ? `listener ${port}` : `listener ${port} ${listenAddress}`
  await writeFile(config, [listener, ...websocketListener, ...settings].join('\n'))
  const [command, args] = options.netns
    ? [IP, ['netns', 'exec', options.netns, binary, '-c', config]]
    : [binary, ['-c', config]]
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (data) => (stderr += String(data)))
  for (const listening of [port, websocketPort])
    if (listening !== undefined) await waitForPort(host, listening, child, () => stderr)
  return {
    host,
    port,
    ...(websocketPort !== undefined ? { websocketPort } : {}),
    stop: () => stopChild(child),
  }
}

/** Writes the ACL and password files (readable by the `mosquitto` user a root-started broker drops to). */
async function accessConfig(dir: string, access: NonNullable<MosquittoOptions['access']>): Promise<string[]> {
  await chmod(dir, 0o755)
  const aclFile = join(dir, 'acl')
  await writeFile(aclFile, [...access.acl, ''].join('\n'), { mode: 0o644 })
  const lines = [`acl_file ${aclFile}`]
  const users = Object.entries(access.users ?? {})
  if (users.length > 0) {
    const passwordFile = join(dir, 'passwords')
    await writeFile(passwordFile, '', { mode: 0o644 })
    // mosquitto_passwd comes in the same package as mosquitto (Debian's and Homebrew's).
    for (const [name, password] of users) execFileSync('mosquitto_passwd', ['-b', passwordFile, name, password])
    await chmod(passwordFile, 0o644)
    lines.push(`password_file ${passwordFile}`)
  }
  if (access.clientIdPrefix !== undefined) lines.push(`clientid_prefixes ${access.clientIdPrefix}`)
  return lines
}

async function waitForPort(host: string, port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${log()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host, () => (socket.destroy(), resolve(true)))
      socket.on('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  child.kill('SIGKILL')
  throw new Error(`mosquitto did not listen on ${port}: ${log()}`)
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}
