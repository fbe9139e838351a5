/**
 * The app's one MQTT 3.1.1 connection, on the native aws-crt client from aws-iot-device-sdk-v2. The same class
 * connects to the embedded local broker and (through `iot.AwsIotMqttConnectionConfigBuilder`) to AWS IoT Core:
 * only the connection config differs, which the caller supplies.
 */
import { mqtt } from 'aws-iot-device-sdk-v2'
import { TypedEmitter } from '../../lib/typed-emitter'

/** The SUBACK return code of a refused subscription (MQTT 3.1.1, section 3.9.3). */
const SUBACK_FAILURE = 0x80

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

  constructor(private readonly options: MqttSessionOptions) {
    super()
  }

  get status(): SessionStatus {
    return this.currentStatus
  }

  async connect(): Promise<void> {
    const attempts = this.options.connectAttempts ?? 5
    const delayMs = this.options.retryDelayMs ?? 500
    for (let attempt = 1; ; attempt++) {
      this.setStatus('connecting')
      const connection = this.client.new_connection(await this.options.buildConfig())
      this.watch(connection)
      try {
        await connection.connect()
        this.connection = connection
        this.setStatus('connected')
        return
      } catch (error) {
        detach(connection)
        const detail = describeError(error)
        if (this.closing || attempt >= attempts) {
          this.setStatus('failed', detail)
          throw new Error(`MQTT connect failed: ${detail}`)
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** (attempt - 1)))
      }
    }
  }

  /** Subscribes now and again after any reconnect whose session the broker did not keep. */
  async subscribe(filter: string, handler: MessageHandler, qos = mqtt.QoS.AtLeastOnce): Promise<void> {
    const subscription = { filter, qos, handler }
    this.subscriptions.set(filter, subscription)
    await this.sendSubscribe(this.requireConnection(), subscription)
  }

  async publish(topic: string, payload: string | Uint8Array, qos = mqtt.QoS.AtLeastOnce): Promise<void> {
    await this.requireConnection().publish(topic, payload, qos, false)
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

  private watch(connection: mqtt.MqttClientConnection): void {
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
    const { filter, qos, handler } = subscription
    const granted = await connection.subscribe(filter, qos, (topic, payload, duplicate) =>
      handler(topic, new Uint8Array(payload), duplicate),
    )
    if ((granted.qos as number) === SUBACK_FAILURE) throw new Error(`The broker refused the subscription to ${filter}`)
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

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'object' && error !== null && 'error' in error) return String((error as { error: unknown }).error)
  return String(error)
}
