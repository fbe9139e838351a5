/**
 * The app's one MQTT 3.1.1 connection, on the native aws-crt client from aws-iot-device-sdk-v2. The same class
 * connects to the embedded local broker and (through `iot.AwsIotMqttConnectionConfigBuilder`) to AWS IoT Core:
 * only the connection config differs, which the caller supplies.
 */
import { mqtt } from 'aws-iot-device-sdk-v2'
import { TypedEmitter } from '../../lib/typed-emitter'

/** The SUBACK return code of a refused subscription (MQTT 3.1.1, section 3.9.3). */
const SUBACK_FAILURE = 0x80
/** A renewal does not wait longer than this for the old connection's DISCONNECT. */
const DISCONNECT_TIMEOUT_MS = 5_000

export type SessionStatus = 'idle' | 'connecting' | 'connected' | 'interrupted' | 'closed' | 'failed'

export type MessageHandler = (topic: string, payload: Uint8Array, duplicate: boolean) => void

export interface MqttSessionEvents {
  status: [status: SessionStatus, detail?: string]
}

export interface MqttSessionOptions {
  /** Builds the connection config; called for every fresh connect, so credentials can be refreshed. */
  buildConfig: () => Promise<mqtt.MqttConnectionConfig> | mqtt.MqttConnectionConfig
  /** Retries of the first connect (aws-crt reconnects by itself once a connection has succeeded). */
  connectAttempts?: number
  retryDelayMs?: number
}

interface Subscription {
  filter: string
  qos: mqtt.QoS
  handler: MessageHandler
}

export class MqttSession extends TypedEmitter<MqttSessionEvents> {
  private connection: mqtt.MqttClientConnection | undefined
  private readonly client = new mqtt.MqttClient()
  private readonly subscriptions = new Map<string, Subscription>()
  private currentStatus: SessionStatus = 'idle'
  private closing = false
  private renewing: Promise<void> | undefined

  constructor(private readonly options: MqttSessionOptions) {
    super()
  }

  get status(): SessionStatus {
    return this.currentStatus
  }

  /**
   * Connects, then sends the subscriptions made so far. Subscribe before connecting when the broker may hold a
   * persistent session: it delivers the queued messages right after CONNACK, and a handler registered only after
   * `connect()` resolves would miss them (aws-crt acknowledges them all the same).
   */
  async connect(): Promise<void> {
    await this.open('connecting')
    const connection = this.requireConnection()
    await Promise.all(
      [...this.subscriptions.values()].map((subscription) => this.sendSubscribe(connection, subscription)),
    )
  }

  /**
   * Replaces the connection with a fresh one built by `buildConfig` (new credentials, new WebSocket), e.g. before
   * AWS IoT Core ends a SigV4 WebSocket connection at 24 hours. The old connection is closed first, so the broker
   * never sees two clients with one id; the new one resumes the persistent session (clean session off), so QoS 1
   * messages published in between are delivered after it, and subscriptions are sent again only if the broker did
   * not keep the session. `buildConfig` is called after the old connection is gone. Works after a failed renewal too.
   */
  renew(): Promise<void> {
    if (this.closing) return Promise.reject(new Error('MQTT session is closed'))
    this.renewing ??= this.replaceConnection().finally(() => (this.renewing = undefined))
    return this.renewing
  }

  /**
   * Subscribes now, or with `connect()` when not connected yet, and again after any reconnect whose session the
   * broker did not keep. The handler receives matching messages from then on.
   */
  async subscribe(filter: string, handler: MessageHandler, qos = mqtt.QoS.AtLeastOnce): Promise<void> {
    const subscription = { filter, qos, handler }
    this.subscriptions.set(filter, subscription)
    if (!this.connection && !this.renewing) return
    await this.sendSubscribe(await this.currentConnection(), subscription)
  }

  /** `retain`: the broker keeps the message for later subscribers (cloud mode's stop requests). */
  async publish(
    topic: string,
    payload: string | Uint8Array,
    qos = mqtt.QoS.AtLeastOnce,
    retain = false,
  ): Promise<void> {
    await (await this.currentConnection()).publish(topic, payload, qos, retain)
  }

  async close(): Promise<void> {
    this.closing = true
    const connection = this.connection
    this.connection = undefined
    if (connection) {
      try {
        await connection.disconnect()
      } catch {
        // Already gone: nothing left to close.
      }
      detach(connection)
    }
    this.setStatus('closed')
  }

  /** Connects a new connection, retrying with back-off; resolves with whether the broker kept the session. */
  private async open(attemptStatus: 'connecting' | undefined): Promise<boolean> {
    const attempts = this.options.connectAttempts ?? 5
    const delayMs = this.options.retryDelayMs ?? 500
    for (let attempt = 1; ; attempt++) {
      if (attemptStatus) this.setStatus(attemptStatus)
      const connection = this.client.new_connection(await this.options.buildConfig())
      this.watch(connection)
      try {
        const sessionPresent = await connection.connect()
        if (this.closing) throw new Error('MQTT session is closed')
        this.connection = connection
        this.setStatus('connected')
        return sessionPresent
      } catch (error) {
        if (this.closing) await disconnectWithin(connection, DISCONNECT_TIMEOUT_MS)
        detach(connection)
        const detail = describeError(error)
        if (this.closing || attempt >= attempts) {
          this.setStatus('failed', detail)
          throw new Error(`MQTT connect failed: ${detail}`, { cause: error })
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** (attempt - 1)))
      }
    }
  }

  private async replaceConnection(): Promise<void> {
    const old = this.connection
    this.connection = undefined
    if (old) {
      // Listeners stay until the DISCONNECT is done, so a chunk arriving meanwhile is still handled.
      await disconnectWithin(old, DISCONNECT_TIMEOUT_MS)
      detach(old)
    }
    // No 'connecting' status: to the user the link never went down.
    const sessionPresent = await this.open(undefined)
    if (!sessionPresent) {
      const connection = this.requireConnection()
      await Promise.all(
        [...this.subscriptions.values()].map((subscription) => this.sendSubscribe(connection, subscription)),
      )
    }
  }

  /** The connection, once a renewal in progress is done. */
  private async currentConnection(): Promise<mqtt.MqttClientConnection> {
    await this.renewing?.catch(() => undefined)
    return this.requireConnection()
  }

  private watch(connection: mqtt.MqttClientConnection): void {
    // Messages are dispatched from the connection, not from per-subscription callbacks: a new connection that
    // resumes a persistent session receives messages for subscriptions it never sent itself.
    connection.on('message', (topic, payload, duplicate) => this.dispatch(topic, payload, duplicate))
    connection.on('interrupt', (error) => this.setStatus('interrupted', describeError(error)))
    connection.on('resume', (_returnCode, sessionPresent) => {
      this.setStatus('connected')
      if (!sessionPresent) this.restoreSubscriptions(connection)
    })
    // Errors after connect also surface as 'interrupt'; this listener keeps the emitter from throwing.
    connection.on('error', (error) => this.setStatus(this.currentStatus, describeError(error)))
  }

  private restoreSubscriptions(connection: mqtt.MqttClientConnection): void {
    for (const subscription of this.subscriptions.values()) {
      this.sendSubscribe(connection, subscription).catch((error: unknown) =>
        this.setStatus('interrupted', `resubscribe failed: ${describeError(error)}`),
      )
    }
  }

  private async sendSubscribe(connection: mqtt.MqttClientConnection, subscription: Subscription): Promise<void> {
    const { filter, qos } = subscription
    const granted = await connection.subscribe(filter, qos)
    if ((granted.qos as number) === SUBACK_FAILURE) throw new Error(`The broker refused the subscription to ${filter}`)
  }

  /** Runs inside aws-crt's native callback, where an exception aborts the process: nothing may escape. */
  private dispatch(topic: string, payload: ArrayBuffer, duplicate: boolean): void {
    // aws-crt hands over an empty payload (e.g. a cleared retained message) as a detached ArrayBuffer.
    const bytes = payload.byteLength === 0 ? new Uint8Array(0) : new Uint8Array(payload)
    for (const { filter, handler } of this.subscriptions.values()) {
      if (!topicMatchesFilter(topic, filter)) continue
      try {
        handler(topic, bytes, duplicate)
      } catch (error) {
        this.setStatus(this.currentStatus, `message handler failed: ${describeError(error)}`)
      }
    }
  }

  private requireConnection(): mqtt.MqttClientConnection {
    if (!this.connection) throw new Error('MQTT session is not connected')
    return this.connection
  }

  private setStatus(status: SessionStatus, detail?: string): void {
    if (this.closing && status !== 'closed') return
    this.currentStatus = status
    this.emit('status', status, detail)
  }
}

/**
 * Stops listening to a connection we are done with. aws-crt emits 'error' for every operation it rejects, even
 * after disconnect (in-flight publishes fail with CONNECTION_DESTROYED); an emitter without an 'error' listener
 * would throw that into the process, so one that ignores them stays.
 */
function detach(connection: mqtt.MqttClientConnection): void {
  connection.removeAllListeners()
  connection.on('error', () => {})
}

async function disconnectWithin(connection: mqtt.MqttClientConnection, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))
  try {
    await Promise.race([connection.disconnect().catch(() => undefined), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** MQTT 3.1.1 topic matching (section 4.7): `+` is one level, `#` the rest (and the parent); `$` topics only match literally. */
export function topicMatchesFilter(topic: string, filter: string): boolean {
  const topicLevels = topic.split('/')
  const filterLevels = filter.split('/')
  if (topic.startsWith('$') && (filterLevels[0] === '+' || filterLevels[0] === '#')) return false
  for (const [index, level] of filterLevels.entries()) {
    if (level === '#') return true
    if (index >= topicLevels.length) return false
    if (level !== '+' && level !== topicLevels[index]) return false
  }
  return filterLevels.length === topicLevels.length
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'object' && error !== null && 'error' in error)
    return String((error as { error: unknown }).error)
  return String(error)
}
