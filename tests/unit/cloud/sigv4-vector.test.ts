/**
 * The IoT WebSocket handshake's SigV4 signature, checked against the AWS signing test suite's published vectors
 * (awslabs/aws-c-auth, tests/aws-signing-test-suite/v4; copies in tests/fixtures/aws-recorded/sigv4). The request is
 * signed by aws-crt with the app's own signing config (`iotSigningConfig`: SigV4 in the query string, the empty-body
 * hash, the session token left out of the signature); only what a vector fixes is set from it: its credentials,
 * date, region, service and expiry.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { auth, http } from 'aws-iot-device-sdk-v2'
import { iotSigningConfig } from '../../../src-main/core/cloud/iot-connection-config'

const VECTORS = join(import.meta.dirname, '..', '..', 'fixtures', 'aws-recorded', 'sigv4')

interface Vector {
  context: {
    credentials: { access_key_id: string; secret_access_key: string; token?: string }
    expiration_in_seconds: number
    region: string
    service: string
    timestamp: string
  }
  /** The request line and headers of request.txt. */
  method: string
  path: string
  headers: Array<[string, string]>
  /** The request line of query-signed-request.txt: the expected signed path and query. */
  signedPath: string
  signature: string
}

function readVector(name: string): Vector {
  const file = (f: string) => readFileSync(join(VECTORS, name, f), 'utf8')
  const [requestLine, ...headerLines] = file('request.txt').trimEnd().split('\n')
  const [method, path] = requestLine!.split(' ')
  const signedLine = file('query-signed-request.txt').split('\n')[0]!
  return {
    context: JSON.parse(file('context.json')) as Vector['context'],
    method: method!,
    path: path!,
    headers: headerLines.map((line) => {
      const colon = line.indexOf(':')
      return [line.slice(0, colon), line.slice(colon + 1)]
    }),
    signedPath: signedLine.split(' ')[1]!,
    signature: file('query-signature.txt').trim(),
  }
}

/** Signs the vector's request as the app signs the IoT handshake; `signToken` overrides the app's choice. */
async function signAsApp(vector: Vector, signToken?: boolean): Promise<string> {
  const { credentials, region, service, timestamp, expiration_in_seconds } = vector.context
  const appConfig = iotSigningConfig(region, {
    accessKeyId: credentials.access_key_id,
    secretAccessKey: credentials.secret_access_key,
    sessionToken: credentials.token ?? '',
    expiration: new Date(Date.parse(timestamp) + 3_600_000),
  })
  const config: auth.AwsSigningConfig = {
    ...appConfig,
    service,
    date: new Date(timestamp),
    expiration_in_seconds,
    ...(signToken !== undefined ? { omit_session_token: !signToken } : {}),
  }
  const request = new http.HttpRequest(vector.method, vector.path, new http.HttpHeaders(vector.headers))
  const signed = await auth.aws_sign_request(request, config)
  return signed.path
}

const signatureOf = (path: string) => new URLSearchParams(path.split('?')[1]).get('X-Amz-Signature')

describe('the IoT handshake signature against the SigV4 test suite', () => {
  it('get-vanilla: the app signs to the published query-string signature', async () => {
    const vector = readVector('get-vanilla')

    const signedPath = await signAsApp(vector)

    expect(signatureOf(signedPath)).toBe(vector.signature)
    expect(signedPath).toBe(vector.signedPath)
  })

  it('get-vanilla-with-session-token: the token rides outside the signature, as IoT Core requires', async () => {
    const vanilla = readVector('get-vanilla')
    const withToken = readVector('get-vanilla-with-session-token')

    // The harness reproduces the vector when the token is signed, so the comparison below means something...
    expect(signatureOf(await signAsApp(withToken, true))).toBe(withToken.signature)
    expect(await signAsApp(withToken, true)).toBe(withToken.signedPath)

    // ...and the app's config leaves the token out of the signature and appends it: the signature is the vanilla
    // vector's, and the token is the vector's.
    const signedPath = await signAsApp(withToken)
    expect(signatureOf(signedPath)).toBe(vanilla.signature)
    expect(signatureOf(signedPath)).not.toBe(withToken.signature)
    expect(new URLSearchParams(signedPath.split('?')[1]).get('X-Amz-Security-Token')).toBe(
      withToken.context.credentials.token,
    )
  })
})
