import { io, mqtt } from 'aws-iot-device-sdk-v2'

export interface PlainBrokerEndpoint {
  host: string
  port: number
  clientId: string
  username?: string
  password?: string
  /** Off by default: the broker keeps the session (and QoS 1 messages) across a dropped link. */
  cleanSession?: boolean
  keepAliveSec?: number
}

/** Reconnect back-off bounds shared by every connection the app makes. */
export const RECONNECT_MIN_SEC = 1
export const RECONNECT_MAX_SEC = 30
/** A PINGREQ unanswered this long means the link is dead: reconnect. */
export const PING_TIMEOUT_MS = 3_000
/**
 * Keep-alive of the plain-TCP connections: a half-open link (no FIN, no RST; stalled Wi-Fi, a sleeping NAT) is
 * only noticed by an unanswered ping, so keep-alive + ping timeout bounds how long a stream can silently stall.
 */
const KEEP_ALIVE_SEC = 10

/**
 * Config for a broker on plain TCP without TLS: the embedded local broker (loopback only) and the test brokers.
 * AWS IoT Core gets its config from `iot.AwsIotMqttConnectionConfigBuilder` instead (WebSocket + SigV4).
 */
export function plainBrokerConnectionConfig(endpoint: PlainBrokerEndpoint): mqtt.MqttConnectionConfig {
  return {
    client_id: endpoint.clientId,
    host_name: endpoint.host,
    port: endpoint.port,
    socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 5_000),
    clean_session: endpoint.cleanSession ?? false,
    keep_alive: endpoint.keepAliveSec ?? KEEP_ALIVE_SEC,
    ping_timeout: PING_TIMEOUT_MS,
    reconnect_min_sec: RECONNECT_MIN_SEC,
    reconnect_max_sec: RECONNECT_MAX_SEC,
    // aws-crt appends SDK metrics to the username for IoT Core; another broker would see a different username.
    disable_metrics: true,
    ...(endpoint.username !== undefined ? { username: endpoint.username } : {}),
    ...(endpoint.password !== undefined ? { password: endpoint.password } : {}),
  }
}
