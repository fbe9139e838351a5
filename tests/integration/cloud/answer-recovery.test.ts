/**
 * Issue 8's cloud-mode recovery, end to end with MQTT through a real broker (Mosquitto over TLS WebSockets, with
 * persistence, as IoT Core's stand-in) and only the AWS APIs mocked at the SDK edge: the fake chat Lambda runs the
 * real chat handler, which stores each finished answer through the real DynamoAnswerStore (DynamoDB mocked), and
 * the mocked fetch-stream invocation runs the real fetch-stream handler with the caller's identity as its context.
 *
 * - Chunks of one model are lost on the way to the broker, so its gap never closes: the app fetches the stored
 *   answer and completes it, byte-identical, in the UI and in history.
 * - The app quits while an answer streams and starts again on the same user-data folder: it reconnects with the
 *   same client id and persistent session and completes the answer from the queued chunks, or, when nothing was
 *   queued, from the stored copy.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { setTimeout as sleep } from 'node:timers/promises'
import { InvokeCommand } from '@aws-sdk/client-lambda'
import type { ModelEvent, ModelResolver } from '../../../src-main/backend/model-provider'
import type { Publisher } from '../../../src-main/backend/publisher'
import type { ChunkMessage } from '../../../src-main/protocol/stream-protocol'
import type { ConversationDetail, Diagnostics } from '../../../src-main/shared/ipc-contract'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { createTestCertificates, type TestCertificates } from '../../support/tls-certificates'
import { scriptedModels, type Script } from '../../support/scripted-provider'
import { ManualClock } from '../../support/manual-clock'
import { startCloudCore } from './cloud-core'
import { lambda, startFakeCloud, type FakeCloud } from './fake-cloud'
import { makeTempDir } from '../../support/temp-dir'

let certificates: TestCertificates
let mosquitto: Mosquitto
const cleanups: Array<() => Promise<unknown>> = []

beforeAll(async () => {
  certificates = await createTestCertificates()
  // Persistence on, as IoT Core keeps a persistent session's QoS 1 messages while its client is away.
  mosquitto = await startMosquitto({
    tlsWebsockets: certificates,
    persistenceDir: await makeTempDir('recovery'),
  })
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(async () => {
  await mosquitto?.stop()
})

const scripts: Record<string, Script> = {
  steady: { deltas: Array.from({ length: 30 }, (_, i) => `s${i} `), intervalMs: 2 },
  lossy: { deltas: Array.from({ length: 60 }, (_, i) => `l${i} 日本😀 `), intervalMs: 3 },
  long: { deltas: Array.from({ length: 150 }, (_, i) => `w${i}-ü `), intervalMs: 8 },
}
const expected = (modelId: string) => scripts[modelId]!.deltas.join('')

/** Drops, on the way to the broker, the chunks `drop` picks (the sequencer believes they were published). */
function lossyPublisher(drop: (message: ChunkMessage) => boolean) {
  const dropped: ChunkMessage[] = []
  const decorate = (inner: Publisher): Publisher => ({
    async publish(topic, payload) {
      const message = JSON.parse(payload) as ChunkMessage
      if (drop(message)) {
        dropped.push(message)
        return
      }
      await inner.publish(topic, payload)
    },
  })
  return { decorate, dropped }
}

async function startCloud(
  decoratePublisher?: (publisher: Publisher) => Publisher,
  stack: { models?: ModelResolver; protocols?: number[] } = {},
) {
  const clock = new ManualClock()
  clock.advance(Date.now())
  const cloud: FakeCloud = await startFakeCloud({
    broker: mosquitto,
    models: stack.models ?? scriptedModels(scripts),
    clock,
    ...(decoratePublisher ? { decoratePublisher } : {}),
    ...(stack.protocols ? { protocols: stack.protocols } : {}),
  })
  cleanups.push(() => cloud.close())
  return { cloud, clock }
}

async function startApp(cloud: FakeCloud, clock: ManualClock, modelIds: string[], userDataDir?: string) {
  const app = await startCloudCore({
    cloud,
    broker: mosquitto,
    certificates,
    clock,
    modelIds,
    ...(userDataDir ? { userDataDir } : {}),
  })
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await app.stop()
  }
  cleanups.push(stop)
  return { ...app, stop }
}

async function storedAnswer(app: Awaited<ReturnType<typeof startApp>>, conversationId: string, modelId: string) {
  const detail = (await app.core.router.invoke('history:get', [conversationId])) as ConversationDetail
  return detail.turns.at(-1)!.answers.find((answer) => answer.modelId === modelId)!
}

const fetchCalls = () =>
  lambda.commandCalls(InvokeCommand).filter((call) => call.args[0].input.FunctionName === 'streamdesk-fetch-stream')

describe('cloud answers completed from the answer store', () => {
  it('fetches the stored answer of a model whose gap never closes, and completes it byte-identical in the UI and history', async () => {
    const loss = lossyPublisher((m) => m.modelId === 'lossy' && (m.seq === 2 || m.seq === 5))
    const { cloud, clock } = await startCloud(loss.decorate)
    const app = await startApp(cloud, clock, ['steady', 'lossy'])
    const { streamId, conversationId } = await app.send('Two columns, one lossy', ['steady', 'lossy'])

    const result = await app.finished(streamId, ['steady', 'lossy'])
    expect(loss.dropped.map((m) => m.seq)).toEqual([2, 5])
    expect(result.steady).toEqual({ text: expected('steady'), status: 'complete' })
    expect(result.lossy).toEqual({ text: expected('lossy'), status: 'complete' })

    for (const modelId of ['steady', 'lossy']) {
      const answer = await storedAnswer(app, conversationId, modelId)
      expect(answer.text).toBe(expected(modelId))
      expect(answer.status).toBe('complete')
    }
    // One fetch, signed as the user, naming only the stream (the Lambda takes the user from its context).
    expect(
      fetchCalls().map((call) => ({
        type: call.args[0].input.InvocationType,
        event: JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)) as unknown,
      })),
    ).toEqual([{ type: 'RequestResponse', event: { streamId } }])
    // What the fetch Lambda served is what the chat handler stored, under the caller's identity.
    expect([...cloud.answerTable.items.keys()].sort()).toEqual([
      `${cloud.identityId}\u0000${streamId}#lossy`,
      `${cloud.identityId}\u0000${streamId}#steady`,
    ])
    const diagnostics = (await app.core.router.invoke('diagnostics:get', [])) as Diagnostics
    expect(diagnostics.gapsReported).toBeGreaterThanOrEqual(1)
    expect(diagnostics.answersRecovered).toBe(1)
  }, 30_000)

  it('leaves an answer incomplete, with a clear message, when nothing was stored and its gap never closes', async () => {
    const loss = lossyPublisher((m) => m.modelId === 'lossy' && m.seq === 1)
    const { cloud, clock } = await startCloud(loss.decorate)
    cloud.answerTable.failPuts(10) // the table refuses the write: the live stream goes on, the copy is missing
    const app = await startApp(cloud, clock, ['lossy'])
    // A short budget (set on the running chat service, which the mode manager builds): the app gives up after a
    // few attempts instead of ten minutes.
    app.core.chat['options'].recoveryBudgetMs = 2_500
    const { streamId, conversationId } = await app.send('Lossy, and not stored', ['lossy'])
    const result = await app.finished(streamId, ['lossy'])
    expect(result.lossy?.status).toBe('error')
    const answer = await storedAnswer(app, conversationId, 'lossy')
    expect(answer.status).toBe('error')
    expect(answer.error).toEqual({
      code: 'incomplete',
      message: expect.stringMatching(/never arrived, and no copy of it was kept in the cloud.*incomplete/),
    })
    expect(expected('lossy').startsWith(answer.text)).toBe(true) // what arrived before the gap is kept
    expect(fetchCalls().length).toBeGreaterThanOrEqual(2) // retried before giving up
  }, 30_000)
})

describe('cloud answers with reasoning completed from the answer store (a stack serving protocol v2)', () => {
  const thoughts = Array.from({ length: 40 }, (_, i) => `思考${i} 🤔 step ${i}. `)
  const answer = Array.from({ length: 20 }, (_, i) => `a${i} 日本 `)
  /** Thinks, then answers, a little at a time so that both channels span several chunks. */
  const thinker: ModelResolver = {
    resolve: () => ({
      async *stream({ signal }): AsyncIterable<ModelEvent> {
        for (const text of thoughts) {
          await sleep(3, undefined, { signal })
          yield { type: 'reasoning', text }
        }
        for (const text of answer) {
          await sleep(3, undefined, { signal })
          yield { type: 'delta', text }
        }
        yield { type: 'stop', reason: 'max-tokens', raw: 'length' }
      },
    }),
  }

  it('restores the lost reasoning and text byte-identical in the UI and history, with why it stopped', async () => {
    // A chunk of reasoning and the final marker are lost: only the stored copy can say how the answer ends.
    const loss = lossyPublisher((m) => m.seq === 1 || m.final !== undefined)
    const { cloud, clock } = await startCloud(loss.decorate, { models: thinker, protocols: [1, 2] })
    const app = await startApp(cloud, clock, ['lossy'])
    const { streamId, conversationId } = await app.send('Think, then answer', ['lossy'])

    const result = await app.finished(streamId, ['lossy'])
    expect(loss.dropped.some((m) => m.reasoning)).toBe(true)
    expect(result.lossy).toEqual({ text: answer.join(''), status: 'complete' })
    const stored = await storedAnswer(app, conversationId, 'lossy')
    expect(stored).toMatchObject({ text: answer.join(''), reasoning: thoughts.join(''), status: 'complete' })
    expect(stored.end).toMatchObject({ stopReason: 'max-tokens' })
    // The app asked a v2 stack for v2's fields.
    expect(cloud.fetchEvents).toEqual([{ streamId, protocols: [1, 2, 3], parts: true }])
  }, 30_000)
})

describe('restart mid-answer in cloud mode', () => {
  it('reconnects with the same client id and persistent session and completes the answer from the queued chunks', async () => {
    const { cloud, clock } = await startCloud()
    const first = await startApp(cloud, clock, ['long'])
    const { streamId, conversationId } = await first.send('Talk for a while', ['long'])
    await first.until(
      () => ((first.column(streamId, 'long')?.text.length ?? 0) > 40 ? true : undefined),
      'the first words',
    )
    await first.stop() // the app quits; the Lambda keeps publishing into the persistent session's queue

    const second = await startApp(cloud, clock, ['long'], first.userDataDir)
    expect(second.runtime.userId).toBe(first.runtime.userId) // the client id: the same identity id, from the token store
    await second.until(
      () => (second.column(streamId, 'long')?.status === 'complete' ? true : undefined),
      'the resumed answer to complete',
    )
    const answer = await storedAnswer(second, conversationId, 'long')
    expect(answer.status).toBe('complete')
    expect(answer.text).toBe(expected('long'))
    // The rest came as the chunks the broker queued for the session. The client acknowledges a chunk when it
    // arrives, so one that arrived as the first app was closing is acknowledged but never saved: then the stored
    // copy fills that hole (one fetch). Either way the answer is byte-identical.
    const diagnostics = (await second.core.router.invoke('diagnostics:get', [])) as Diagnostics
    expect(diagnostics.chunksDelivered).toBeGreaterThan(0)
    expect(fetchCalls().length).toBeLessThanOrEqual(1)
  }, 30_000)

  it('fetches the rest from the answer store when the broker queued nothing while the app was away', async () => {
    let appAway = false
    const loss = lossyPublisher(() => appAway) // e.g. offline longer than the broker keeps a session
    const { cloud, clock } = await startCloud(loss.decorate)
    const first = await startApp(cloud, clock, ['long'])
    const { streamId, conversationId } = await first.send('Talk for a while', ['long'])
    await first.until(
      () => ((first.column(streamId, 'long')?.text.length ?? 0) > 40 ? true : undefined),
      'the first words',
    )
    appAway = true
    await first.stop()
    await cloud.idle() // the answer finished (and was stored) while the app was away

    const second = await startApp(cloud, clock, ['long'], first.userDataDir)
    await second.until(
      () => (second.column(streamId, 'long')?.status === 'complete' ? true : undefined),
      'the resumed answer to complete',
    )
    const answer = await storedAnswer(second, conversationId, 'long')
    expect(answer.status).toBe('complete')
    expect(answer.text).toBe(expected('long'))
    expect(loss.dropped.some((m) => m.final)).toBe(true)
    expect(fetchCalls()).toHaveLength(1)
  }, 30_000)
})
