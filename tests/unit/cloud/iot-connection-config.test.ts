import { describe, expect, it } from 'vitest'
import { auth, http, type mqtt } from 'aws-iot-device-sdk-v2'
import { iotSigningConfig, iotWebSocketConnectionConfig } from '../../../src-main/core/cloud/iot-connection-config'
import type { AwsCredentials } from '../../../src-main/core/cloud/identity-credentials'
import { RECONNECT_MAX_SEC, RECONNECT_MIN_SEC } from '../../../src-main/core/mqtt/connection-config'
import { CLOUD_CONFIG, IDENTITY_ID } from './cloud-fixtures'

const credentials = (id: number): AwsCredentials => ({
  accessKeyId: `ASIAKEY${id}`,
  secretAccessKey: `secret-${id}`,
  sessionToken: `token/${id}+=`,
  expiration: new Date(Date.now() + 3_600_000),
})

/** Runs the config's WebSocket handshake transform (as aws-crt does before each connect) on a fresh request. */
async function signedHandshake(config: mqtt.MqttConnectionConfig): Promise<URLSearchParams> {
  const request = new http.HttpRequest('GET', '/mqtt', new http.HttpHeaders([['Host', CLOUD_CONFIG.iotEndpoint]]))
  await new Promise<void>((resolve, reject) =>
    config.websocket_handshake_transform!(request, (errorCode) =>
      errorCode ? reject(new Error(`signing failed: ${errorCode}`)) : resolve(),
    ),
  )
  expect(request.path.startsWith('/mqtt?')).toBe(true)
  return new URLSearchParams(request.path.slice('/mqtt?'.length))
}

function buildConfig(
  current: () => AwsCredentials,
  extra: Partial<Parameters<typeof iotWebSocketConnectionConfig>[0]> = {},
) {
  return iotWebSocketConnectionConfig({
    endpoint: CLOUD_CONFIG.iotEndpoint,
    region: CLOUD_CONFIG.region,
    clientId: IDENTITY_ID,
    credentials: current,
    ...extra,
  })
}

describe('IoT Core WebSocket connection config', () => {
  it('connects to the endpoint on 443 over a WebSocket, as the identity, with a persistent session', () => {
    const config = buildConfig(() => credentials(1))
    expect(config).toMatchObject({
      host_name: CLOUD_CONFIG.iotEndpoint,
      port: 443,
      client_id: IDENTITY_ID,
      use_websocket: true,
      clean_session: false,
      keep_alive: 30,
      ping_timeout: 3_000,
      reconnect_min_sec: RECONNECT_MIN_SEC,
      reconnect_max_sec: RECONNECT_MAX_SEC,
      disable_metrics: true,
      proxy_options: undefined,
    })
    expect(config.tls_ctx).toBeDefined()
    expect(buildConfig(() => credentials(1), { port: 8443, keepAliveSec: 45 })).toMatchObject({
      port: 8443,
      keep_alive: 45,
    })
  })

  it('signs the handshake with SigV4 in the query string for iotdevicegateway, the session token added', async () => {
    const query = await signedHandshake(buildConfig(() => credentials(1)))
    expect(query.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256')
    expect(query.get('X-Amz-Credential')).toMatch(/^ASIAKEY1\/\d{8}\/us-east-1\/iotdevicegateway\/aws4_request$/)
    expect(query.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/)
    expect(query.get('X-Amz-Security-Token')).toBe('token/1+=')
  })

  it("signs AWS's own published SigV4 query-string example to its published signature", async () => {
    // The presigned-URL example of "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)",
    // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html: GET /test.txt on
    // examplebucket, 2013-05-24T00:00:00Z, valid 86,400 s, with the documentation's example key pair. The app's own
    // signing config, with only what that example sets differently (S3: its service, unsigned payload, single URI
    // encoding, a fixed date, an expiry), must give exactly the signature the page prints.
    const documented = {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      // The example has none; the app's config leaves the token out of what is signed and adds it afterwards,
      // so the documented signature holds with one.
      sessionToken: 'session/token+=',
      expiration: new Date(Date.now() + 3_600_000),
    }
    const config: auth.AwsSigningConfig = {
      ...iotSigningConfig('us-east-1', documented),
      service: 's3',
      signed_body_value: auth.AwsSignedBodyValue.UnsignedPayload,
      use_double_uri_encode: false,
      should_normalize_uri_path: false,
      date: new Date('2013-05-24T00:00:00Z'),
      expiration_in_seconds: 86_400,
    }
    const request = new http.HttpRequest(
      'GET',
      '/test.txt',
      new http.HttpHeaders([['Host', 'examplebucket.s3.amazonaws.com']]),
    )
    const signed = await auth.aws_sign_request(request, config)
    const query = new URLSearchParams(signed.path.slice('/test.txt?'.length))
    expect(query.get('X-Amz-Credential')).toBe('AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request')
    expect(query.get('X-Amz-Date')).toBe('20130524T000000Z')
    expect(query.get('X-Amz-SignedHeaders')).toBe('host')
    expect(query.get('X-Amz-Signature')).toBe('aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404')
    expect(query.get('X-Amz-Security-Token')).toBe('session/token+=')
  })

  it('reads the credentials at every handshake, so a reconnect after rotation signs with the new ones', async () => {
    let current = credentials(1)
    const config = buildConfig(() => current)
    const first = await signedHandshake(config)
    current = credentials(2)
    const second = await signedHandshake(config)
    expect(first.get('X-Amz-Credential')).toMatch(/^ASIAKEY1\//)
    expect(second.get('X-Amz-Credential')).toMatch(/^ASIAKEY2\//)
    expect(second.get('X-Amz-Security-Token')).toBe('token/2+=')
  })

  it('tunnels through an HTTP proxy, with Basic credentials when it has them', () => {
    const withCredentials = buildConfig(() => credentials(1), {
      proxy: { protocol: 'http', host: 'proxy.corp.example', port: 3128, username: 'jo', password: 'pa:ss' },
    }).proxy_options!
    expect(withCredentials).toMatchObject({
      host_name: 'proxy.corp.example',
      port: 3128,
      auth_method: http.HttpProxyAuthenticationType.Basic,
      auth_username: 'jo',
      auth_password: 'pa:ss',
      connection_type: http.HttpProxyConnectionType.Tunneling,
      tls_opts: undefined,
    })
    const anonymous = buildConfig(() => credentials(1), {
      proxy: { protocol: 'https', host: 'proxy.corp.example', port: 443 },
    }).proxy_options!
    expect(anonymous).toMatchObject({ auth_method: http.HttpProxyAuthenticationType.None, auth_username: undefined })
    expect(anonymous.tls_opts).toBeDefined()
  })
})

describe('IoT Core WebSocket signing without credentials', () => {
  it('fails the handshake instead of throwing where aws-crt cannot catch it', async () => {
    let signedOut = false
    const config = buildConfig(() => {
      if (signedOut) throw new Error('Cloud credentials are not ready yet.')
      return credentials(1)
    })
    signedOut = true
    await expect(signedHandshake(config)).rejects.toThrow(/signing failed/)
  })
})
