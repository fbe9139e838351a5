/**
 * Cloud mode's IoT path for real, on a local Mosquitto that speaks MQTT over TLS WebSockets as IoT Core does:
 * the aws-crt client connects through the same config builder used for IoT Core (TLS with the test CA, the
 * handshake SigV4-signed with fake credentials, which Mosquitto ignores but the test inspects), and the whole
 * chat flow runs in cloud-mode code with only the AWS SDK calls mocked.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { InvokeCommand } from '@aws-sdk/client-lambda'
import { iotWebSocketConnectionConfig } from '../../../src-main/core/cloud/iot-connection-config'
import type { AwsCredentials } from '../../../src-main/core/cloud/identity-credentials'
import { MqttSession } from '../../../src-main/core/mqtt/mqtt-session'
import { plainBrokerConnectionConfig } from '../../../src-main/core/mqtt/connection-config'
import { stopControlTopic } from '../../../src-main/protocol/cloud-config'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { createTestCertificates, type TestCertificates } from '../../support/tls-certificates'
import { scriptedModels } from '../../support/scripted-provider'
import { ManualClock } from '../../support/manual-clock'
import { startCloudCore } from './cloud-core'
import { lambda, startFakeCloud, USER, type FakeCloud } from './fake-cloud'

const HOUR = 3_600_000

let certificates: TestCertificates
let mosquitto: Mosquitto
const cleanups: Array<() => Promise<unknown>> = []

beforeAll(async () => {
  certificates = await createTestCertificates()
  mosquitto = await startMosquitto({ tlsWebsockets: certificates })
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(async () => {
  await mosquitto?.stop()
})

const fakeCredentials = (n: number): AwsCredentials => ({
  accessKeyId: `ASIAFAKE${n}`,
  secretAccessKey: 'fake-secret',
  sessionToken: `fake-session-token-${n}`,
  expiration: new Date(Date.now() + HOUR),
})

/** An app session built by the IoT Core builder for the local broker; every signed handshake's query is kept. */
function iotSession(
  clientId: string,
  credentials: () => AwsCredentials,
  options: { beforeEachConnect?: () => Promise<void> } = {},
) {
  const handshakes: URLSearchParams[] = []
  const session = new MqttSession({
    connectAttempts: 1,
    buildConfig: async () => {
      await options.beforeEachConnect?.()
      const config = iotWebSocketConnectionConfig({
        endpoint: 'localhost',
        region: 'us-east-1',
        clientId,
        credentials,
        port: mosquitto.websocketPort!,
        caFile: certificates.caFile,
      })
      const sign = config.websocket_handshake_transform!
      config.websocket_handshake_transform = (request, done) =>
        sign(request, (errorCode) => {
          handshakes.push(new URLSearchParams(request.path.split('?')[1] ?? ''))
          done(errorCode)
        })
      return config
    },
  })
  cleanups.push(() => session.close())
  return { session, handshakes }
}

function plainSession(clientId = `plain-${randomUUID()}`): MqttSession {
  const session = new MqttSession({
    buildConfig: () => plainBrokerConnectionConfig({ host: mosquitto.host, port: mosquitto.port, clientId }),
  })
  cleanups.push(() => session.close())
  return session
}

/** Collects decoded messages by topic. */
function inbox() {
  const messages: string[] = []
  const waiters = new Set<() => void>()
  return {
    messages,
    handler: (_topic: string, payload: Uint8Array) => {
      messages.push(new TextDecoder().decode(payload))
      for (const wake of [...waiters]) wake()
    },
    until(count: number, timeoutMs = 10_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (new Set(messages).size < count) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(
          () => reject(new Error(`only ${new Set(messages).size} of ${count} messages arrived`)),
          timeoutMs,
        )
        waiters.add(check)
        check()
      })
    },
  }
}

describe('the IoT Core connection builder on a TLS WebSocket broker', () => {
  // The listener speaks only TLS, and its CA exists only in the temp dir: connecting proves TLS with that CA.
  // (The opposite case is not tested here: s2n delays a failed handshake by 10-30 s on purpose, as "blinding".)
  it('connects over TLS with a SigV4-signed handshake, and a message makes the round trip', async () => {
    const clientId = `us-east-1:${randomUUID()}`
    const { session, handshakes } = iotSession(clientId, () => fakeCredentials(1))
    await session.connect()
    const received = inbox()
    await session.subscribe(`streamdesk/${clientId}/+`, received.handler)
    await session.publish(`streamdesk/${clientId}/own`, 'from the app')
    const backend = plainSession()
    await backend.connect()
    await backend.publish(`streamdesk/${clientId}/s1`, 'from the backend')
    await received.until(2)
    expect(received.messages.sort()).toEqual(['from the app', 'from the backend'])

    expect(handshakes).toHaveLength(1)
    const query = handshakes[0]!
    expect(query.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256')
    expect(query.get('X-Amz-Credential')).toMatch(/^ASIAFAKE1\/\d{8}\/us-east-1\/iotdevicegateway\/aws4_request$/)
    expect(query.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/)
    expect(query.get('X-Amz-Security-Token')).toBe('fake-session-token-1')
  })

  it('hands an empty message (a cleared retained one) to handlers as empty bytes instead of aborting the process', async () => {
    const clientId = `us-east-1:${randomUUID()}`
    const { session } = iotSession(clientId, () => fakeCredentials(1))
    await session.connect()
    const sizes: number[] = []
    await session.subscribe(`streamdesk/${clientId}/+`, (_topic, payload) => sizes.push(payload.byteLength))
    const backend = plainSession()
    await backend.connect()
    await backend.publish(`streamdesk/${clientId}/s1`, '')
    await backend.publish(`streamdesk/${clientId}/s1`, 'x')
    await expect.poll(() => sizes).toEqual([0, 1])
  })

  it('renew() signs the new handshake with the credentials of that moment and keeps the subscription', async () => {
    const clientId = `us-east-1:${randomUUID()}`
    let current = fakeCredentials(1)
    const { session, handshakes } = iotSession(clientId, () => current)
    await session.connect()
    const received = inbox()
    await session.subscribe(`streamdesk/${clientId}/+`, received.handler)

    current = fakeCredentials(2) // the hourly rotation
    await session.renew()
    expect(session.status).toBe('connected')
    expect(handshakes.map((query) => query.get('X-Amz-Credential')?.split('/')[0])).toEqual(['ASIAFAKE1', 'ASIAFAKE2'])

    const backend = plainSession()
    await backend.connect()
    await backend.publish(`streamdesk/${clientId}/s1`, 'after renewal')
    await received.until(1)
    expect(received.messages).toEqual(['after renewal'])
  })

  it('renew() loses nothing: QoS 1 messages published while the app was disconnected arrive after it', async () => {
    const clientId = `us-east-1:${randomUUID()}`
    const backend = plainSession()
    await backend.connect()
    const topic = `streamdesk/${clientId}/s1`
    let connects = 0
    let inGap = 0
    // buildConfig runs after the old connection is closed: publish a burst exactly then.
    const { session } = iotSession(clientId, () => fakeCredentials(1), {
      beforeEachConnect: async () => {
        connects += 1
        if (connects !== 2) return
        for (let i = 0; i < 50; i++) await backend.publish(topic, `gap-${i}`)
        inGap = 50
      },
    })
    await session.connect()
    const received = inbox()
    await session.subscribe(`streamdesk/${clientId}/+`, received.handler)
    for (let i = 0; i < 20; i++) await backend.publish(topic, `before-${i}`)
    await received.until(20)

    await session.renew()
    for (let i = 0; i < 20; i++) await backend.publish(topic, `after-${i}`)
    await received.until(90)
    expect(inGap).toBe(50)
    const expected = [
      ...['before', 'gap', 'after'].flatMap((phase) =>
        Array.from({ length: phase === 'gap' ? 50 : 20 }, (_, i) => `${phase}-${i}`),
      ),
    ]
    expect(new Set(received.messages)).toEqual(new Set(expected))
  })
})

describe('cloud mode end to end (AWS SDK mocked at its edge, broker real)', () => {
  const scripts = {
    claude: { deltas: Array.from({ length: 120 }, (_, i) => `c${i} `), intervalMs: 1 },
    gpt: { deltas: ['日本語 ', 'and ', 'emoji 😀 ', 'too.'], intervalMs: 2 },
    slow: { deltas: ['one ', 'two ', 'three ', 'never'], hangAfter: 3 },
    long: { deltas: Array.from({ length: 400 }, (_, i) => `w${i} `), intervalMs: 2 },
  }
  const expected = (modelId: keyof typeof scripts) => scripts[modelId].deltas.join('')

  async function start(
    modelIds: string[],
    stack: Pick<Parameters<typeof startFakeCloud>[0], 'protocols' | 'decoratePublisher'> = {},
  ) {
    const clock = new ManualClock()
    clock.advance(Date.now())
    const cloud: FakeCloud = await startFakeCloud({
      broker: mosquitto,
      models: scriptedModels(scripts),
      clock,
      ...stack,
    })
    cleanups.push(() => cloud.close())
    const app = await startCloudCore({ cloud, broker: mosquitto, certificates, clock, modelIds })
    cleanups.push(() => app.stop())
    return { cloud, app, clock }
  }

  it("streams two models from the Lambda to the app core as the user's identity, exactly", async () => {
    const { cloud, app } = await start(['claude', 'gpt'])
    const status = (await app.core.router.invoke('app:get-status', [])) as {
      userLabel: string
      connection: { mode: string; status: string }
    }
    expect(status.userLabel).toBe(USER.email)
    expect(status.connection).toMatchObject({ mode: 'cloud', status: 'connected' })
    expect(app.runtime.userId).toBe(cloud.identityId)

    const { streamId } = await app.send('Compare yourselves', ['claude', 'gpt'])
    const result = await app.finished(streamId, ['claude', 'gpt'])
    expect(result).toEqual({
      claude: { text: expected('claude'), status: 'complete' },
      gpt: { text: expected('gpt'), status: 'complete' },
    })

    // The new identity got the IoT policy once, before connecting; the prompt went as an Event without a user id.
    const invocations = lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input)
    expect(invocations.map(({ FunctionName, InvocationType }) => ({ FunctionName, InvocationType }))).toEqual([
      { FunctionName: cloud.config.attachPolicyFunctionName, InvocationType: 'RequestResponse' },
      { FunctionName: cloud.config.chatFunctionName, InvocationType: 'Event' },
    ])
    expect(cloud.chatEvents).toEqual([
      {
        streamId,
        models: [
          { modelId: 'claude', messages: [{ role: 'user', content: 'Compare yourselves' }] },
          { modelId: 'gpt', messages: [{ role: 'user', content: 'Compare yourselves' }] },
        ],
      },
    ])
    const diagnostics = (await app.core.router.invoke('diagnostics:get', [])) as { rejected: Record<string, number> }
    expect(diagnostics.rejected).toEqual({})
  })

  it('asks a stack that serves v2 for it, and shows the v2 stream exactly', async () => {
    const versions = new Set<unknown>()
    const { cloud, app } = await start(['claude', 'gpt'], {
      protocols: [1, 2],
      decoratePublisher: (publisher) => ({
        publish: (topic, payload) => {
          // Every chunk (on a stream topic); the prompt's announcement to other devices has a schema of its own.
          if (!topic.includes('/announce/')) versions.add((JSON.parse(payload) as { v: unknown }).v)
          return publisher.publish(topic, payload)
        },
      }),
    })
    const { streamId } = await app.send('Compare yourselves', ['claude', 'gpt'])
    expect(await app.finished(streamId, ['claude', 'gpt'])).toEqual({
      claude: { text: expected('claude'), status: 'complete' },
      gpt: { text: expected('gpt'), status: 'complete' },
    })
    // The app states every version it reads; the v2 stack answers in v2.
    expect(cloud.chatEvents).toEqual([expect.objectContaining({ streamId, protocols: [1, 2, 3] })])
    expect(versions).toEqual(new Set([2]))
    const diagnostics = (await app.core.router.invoke('diagnostics:get', [])) as { rejected: Record<string, number> }
    expect(diagnostics.rejected).toEqual({})
  })

  it('stops one model through the retained control topic while the other completes', async () => {
    const { cloud, app } = await start(['slow', 'gpt'])
    const { streamId } = await app.send('Count', ['slow', 'gpt'])
    await app.until(
      () => (app.column(streamId, 'slow')?.text === 'one two three ' ? true : undefined),
      'three words from slow',
    )
    await app.core.router.invoke('chat:stop', [{ streamId, modelId: 'slow' }])
    const result = await app.finished(streamId, ['slow', 'gpt'])
    expect(result.slow).toEqual({ text: 'one two three ', status: 'stopped' })
    expect(result.gpt).toEqual({ text: expected('gpt'), status: 'complete' })
    expect(cloud.stopRequests).toEqual(['{"stop":["slow"]}'])

    // Retained: a reader that comes later (the Lambda polling after a cold start) still finds the request.
    const controlTopic = stopControlTopic(cloud.config.topicPrefix, cloud.identityId, streamId)
    const late = plainSession()
    await late.connect()
    const retained = inbox()
    await late.subscribe(controlTopic, retained.handler)
    await retained.until(1)
    expect(retained.messages).toEqual(['{"stop":["slow"]}'])
    await late.publish(controlTopic, '', 1, true) // cleared, as the Lambda does when it ends
  })

  it('renews the connection 23 hours after connecting, mid-stream, without losing a chunk', async () => {
    const { app, clock } = await start(['long'])
    const { streamId } = await app.send('Talk for a while', ['long'])
    await app.until(() => ((app.column(streamId, 'long')?.text.length ?? 0) > 0 ? true : undefined), 'the first words')
    const connectsBefore = app.sessionStatuses.filter((status) => status === 'connected').length

    clock.advance(23 * HOUR) // the renewal timer fires (and the hourly credential refresh with it)
    await app.until(
      () => (app.sessionStatuses.filter((status) => status === 'connected').length > connectsBefore ? true : undefined),
      'the renewed connection',
    )
    expect(app.column(streamId, 'long')?.status).toBe('streaming') // renewed while the answer was still arriving
    const result = await app.finished(streamId, ['long'])
    expect(result.long).toEqual({ text: expected('long'), status: 'complete' })
    const diagnostics = (await app.core.router.invoke('diagnostics:get', [])) as {
      rejected: Record<string, number>
      gapsReported: number
    }
    expect(diagnostics.rejected).toEqual({})
  })
})
