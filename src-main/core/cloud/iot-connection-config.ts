/**
 * The aws-crt connection config for AWS IoT Core: MQTT 3.1.1 over a TLS WebSocket (port 443, so it passes
 * corporate firewalls and proxies), the handshake signed with SigV4 from the user's Cognito credentials.
 *
 * aws-crt calls `create_signing_config` at EVERY WebSocket handshake, its own reconnects included, and this one
 * reads the credentials at that moment: a reconnect after the hourly credential rotation signs with the new ones.
 */
import { auth, http, io, iot, type mqtt } from 'aws-iot-device-sdk-v2'
import { PING_TIMEOUT_MS, RECONNECT_MAX_SEC, RECONNECT_MIN_SEC } from '../mqtt/connection-config'
import type { AwsCredentials } from './identity-credentials'
import type { ProxyConfig } from '../../lib/http-proxy'

export interface IotWebSocketOptions {
  /** The account's data endpoint, e.g. `abc123-ats.iot.us-east-1.amazonaws.com`. */
  endpoint: string
  region: string
  /** The Cognito identity id: IoT Core's policy only lets a user connect with their own. */
  clientId: string
  /** Called at every handshake; must return credentials valid right now. */
  credentials: () => AwsCredentials
  proxy?: ProxyConfig | undefined
  /** 443 for IoT Core; the tests' local broker listens elsewhere. */
  port?: number
  /** A PEM file of CAs to trust instead of the system's (the tests' self-signed CA). */
  caFile?: string
  keepAliveSec?: number
}

export const IOT_SIGNING_SERVICE = 'iotdevicegateway'
/** IoT Core accepts 30–1200 s: its minimum, so a half-open link (a laptop's Wi-Fi gone) is noticed in ~33 s. */
const DEFAULT_KEEP_ALIVE_SEC = 30

export function iotWebSocketConnectionConfig(options: IotWebSocketOptions): mqtt.MqttConnectionConfig {
  const tls = new io.TlsContextOptions()
  tls.alpn_list = [] // ALPN is for MQTT on 443 without WebSocket; a WebSocket upgrade must not offer it
  if (options.caFile !== undefined) tls.override_default_trust_store_from_path(undefined, options.caFile)
  const builder = iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets({
    region: options.region,
    tls_ctx_options: tls,
    // Only consulted when create_signing_config is absent; required by the type.
    credentials_provider: staticProvider(options.credentials()),
    create_signing_config: () => iotSigningConfig(options.region, currentOrNone(options.credentials)),
    ...(options.proxy ? { proxy_options: crtProxyOptions(options.proxy) } : {}),
  })
    .with_endpoint(options.endpoint)
    .with_client_id(options.clientId)
    // Persistent session: after a dropped link (or a renewal) IoT Core delivers the QoS 1 chunks it kept.
    .with_clean_session(false)
    .with_keep_alive_seconds(options.keepAliveSec ?? DEFAULT_KEEP_ALIVE_SEC)
    .with_ping_timeout_ms(PING_TIMEOUT_MS)
    .with_reconnect_min_sec(RECONNECT_MIN_SEC)
    .with_reconnect_max_sec(RECONNECT_MAX_SEC)
  if (options.port !== undefined) builder.with_port(options.port)
  // aws-crt would otherwise append SDK usage metrics to the MQTT username.
  return { ...builder.build(), disable_metrics: true }
}

/** SigV4 in the query string, as IoT Core expects for WebSockets; the session token is added after signing. */
export function iotSigningConfig(region: string, credentials: AwsCredentials): auth.AwsSigningConfig {
  return {
    algorithm: auth.AwsSigningAlgorithm.SigV4,
    signature_type: auth.AwsSignatureType.HttpRequestViaQueryParams,
    provider: staticProvider(credentials),
    region,
    service: IOT_SIGNING_SERVICE,
    signed_body_value: auth.AwsSignedBodyValue.EmptySha256,
    omit_session_token: true,
  }
}

/** The proxy for aws-crt: a CONNECT tunnel (the WebSocket inside stays end-to-end TLS), Basic auth if configured. */
export function crtProxyOptions(proxy: ProxyConfig): http.HttpProxyOptions {
  const basic = proxy.username !== undefined
  const tlsToProxy =
    proxy.protocol === 'https'
      ? new io.TlsConnectionOptions(new io.ClientTlsContext(new io.TlsContextOptions()), proxy.host)
      : undefined
  return new http.HttpProxyOptions(
    proxy.host,
    proxy.port,
    basic ? http.HttpProxyAuthenticationType.Basic : http.HttpProxyAuthenticationType.None,
    basic ? proxy.username : undefined,
    basic ? (proxy.password ?? '') : undefined,
    tlsToProxy,
    http.HttpProxyConnectionType.Tunneling,
  )
}

const NO_CREDENTIALS: AwsCredentials = {
  accessKeyId: '',
  secretAccessKey: '',
  sessionToken: '',
  expiration: new Date(0),
}

/**
 * aws-crt calls create_signing_config where a throw becomes an unhandled rejection and a handshake that never
 * ends. Without credentials (e.g. signed out meanwhile) signing fails instead, and aws-crt retries with back-off.
 */
function currentOrNone(credentials: () => AwsCredentials): AwsCredentials {
  try {
    return credentials()
  } catch {
    return NO_CREDENTIALS
  }
}

function staticProvider(credentials: AwsCredentials): auth.AwsCredentialsProvider {
  return auth.AwsCredentialsProvider.newStatic(
    credentials.accessKeyId,
    credentials.secretAccessKey,
    credentials.sessionToken,
  )
}
