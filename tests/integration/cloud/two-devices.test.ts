/**
 * Issue 17 item 2, end to end: two app cores signed in as the same user, each with its own token store (so its own
 * device id and client id), connected at once over TLS WebSockets to Mosquitto configured as IoT Core's policy
 * allows: client ids only with the user's identity-id prefix, devices may read only the user's streams and
 * announcements and write only the user's stop requests; only the data plane's stand-in (a user of its own) writes
 * streams and announcements. AWS is mocked only at the SDK edge (fake-cloud.ts runs the real chat handler).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type {
  StreamUpdate,
  ConversationDetail,
  ConversationSummary,
  Diagnostics,
} from '../../../src-main/shared/ipc-contract'
import { FileTokenStore } from '../../../src-main/core/cloud/token-store'
import { plainTextCodec } from '../../../src-main/core/settings/settings-store'
import { announcementTopic, encodeAnnouncement } from '../../../src-main/protocol/stream-announcement'
import { startMosquitto, type Mosquitto } from '../../support/mosquitto'
import { createTestCertificates, type TestCertificates } from '../../support/tls-certificates'
import { scriptedModels, type Script } from '../../support/scripted-provider'
import { ManualClock } from '../../support/manual-clock'
import { CONNACK_ACCEPTED, connectPacket, publishPacket, rawClient } from '../../support/raw-mqtt'
import { makeTempDir } from '../../support/temp-dir'
import { startCloudCore } from './cloud-core'
import { startFakeCloud, type FakeCloud } from './fake-cloud'

const identityId = `us-east-1:${randomUUID()}`
const PREFIX = 'streamdesk'
const DATA_PLANE = { clientId: `${identityId}-data-plane`, username: 'data-plane', password: randomUUID() }

let certificates: TestCertificates
let mosquitto: Mosquitto
let cloud: FakeCloud
let clock: ManualClock
const cleanups: Array<() => Promise<unknown>> = []

const scripts: Record<string, Script> = {
  steady: { deltas: Array.from({ length: 40 }, (_, i) => `s${i} 日本😀 `), intervalMs: 15 },
  quick: { deltas: Array.from({ length: 20 }, (_, i) => `q${i} `), intervalMs: 10 },
  // Sends two deltas, then waits until it is stopped.
  endless: { deltas: ['Thinking… ', 'still ', 'never sent'], intervalMs: 5, hangAfter: 2 },
  // Cut off at its token limit, so it can be continued (the continuation is the same script again).
  cut: { deltas: Array.from({ length: 12 }, (_, i) => `c${i} `), intervalMs: 10, stopReason: 'max-tokens' },
}
const expected = (modelId: string) => scripts[modelId]!.deltas.join('')

beforeAll(async () => {
  certificates = await createTestCertificates()
  mosquitto = await startMosquitto({
    tlsWebsockets: certificates,
    access: {
      // IoT Core's user policy (cdktf/realtime/user-access.ts) for this one user, and the chat Lambda's rights.
      clientIdPrefix: `${identityId}-`,
      acl: [
        `topic read ${PREFIX}/${identityId}/+`,
        `topic read ${PREFIX}/${identityId}/announce/+`,
        `topic readwrite ${PREFIX}/${identityId}/control/+`,
        `user ${DATA_PLANE.username}`,
        `topic readwrite ${PREFIX}/#`,
      ],
      users: { [DATA_PLANE.username]: DATA_PLANE.password },
    },
  })
  clock = new ManualClock()
  clock.advance(Date.now())
  cloud = await startFakeCloud({
    broker: mosquitto,
    models: scriptedModels(scripts),
    clock,
    protocols: [1, 2],
    identityId,
    dataPlane: DATA_PLANE,
  })
}, 30_000)
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(async () => {
  await cloud?.close()
  await mosquitto?.stop()
})

/** One installation of the app: its own user-data folder and token store (so its own device id). */
async function startDevice(modelIds = Object.keys(scripts)) {
  const store = new FileTokenStore(join(await makeTempDir('device'), 'cloud-session.json'), plainTextCodec)
  const app = await startCloudCore({ cloud, broker: mosquitto, certificates, clock, modelIds, store })
  const updates: StreamUpdate[] = []
  app.core.events.on('chat:updates', (batch) => updates.push(...batch))
  cleanups.push(() => app.stop())
  await app.until(() => (app.runtime.session.status === 'connected' ? true : undefined), 'the device to connect')
  return { ...app, updates }
}

/** Resolves with the first defined result of `test`, polled every 50 ms (history reads are asynchronous). */
async function eventually<T>(test: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const started = Date.now()
  for (;;) {
    const result = await test()
    if (result !== undefined) return result
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const diagnosticsOf = async (app: Awaited<ReturnType<typeof startDevice>>) =>
  (await app.core.router.invoke('diagnostics:get', [])) as Diagnostics
const conversationOf = async (app: Awaited<ReturnType<typeof startDevice>>, id: string) =>
  (await app.core.router.invoke('history:get', [id])) as ConversationDetail | null

describe('two devices of one user', () => {
  it('both stay connected, and an answer asked on one streams live and exact on the other, kept in its history', async () => {
    const laptop = await startDevice()
    const desktop = await startDevice()
    expect(laptop.runtime.deviceId).toMatch(/^[0-9a-f]{16}$/)
    expect(desktop.runtime.deviceId).not.toBe(laptop.runtime.deviceId)

    const { streamId, conversationId } = await laptop.send('Two columns for two devices', ['steady', 'quick'])
    const asked = await laptop.finished(streamId, ['steady', 'quick'])
    const seen = await desktop.finished(streamId, ['steady', 'quick'])
    for (const modelId of ['steady', 'quick']) {
      expect(asked[modelId]).toEqual({ text: expected(modelId), status: 'complete' })
      expect(seen[modelId]).toEqual({ text: expected(modelId), status: 'complete' })
    }
    // Live: the other device got the answer as it streamed, in many updates, not in one piece at the end.
    const liveUpdates = desktop.updates.filter((u) => u.streamId === streamId && u.modelId === 'steady' && u.append)
    expect(liveUpdates.length).toBeGreaterThan(3)

    // Kept in the other device's history, in the asking device's conversation, with the turn's prompt.
    const stored = await conversationOf(desktop, conversationId)
    expect(stored?.turns.map((turn) => turn.prompt)).toEqual(['Two columns for two devices'])
    expect(stored?.turns[0]!.streamId).toBe(streamId)
    const answers = Object.fromEntries(stored!.turns[0]!.answers.map((a) => [a.modelId, a]))
    expect(answers.steady?.text).toBe(expected('steady'))
    expect(answers.quick?.text).toBe(expected('quick'))
    expect(answers.steady?.status).toBe('complete')

    // Both stayed connected the whole time (one client id each: IoT Core would drop the older of two equal ones).
    for (const device of [laptop, desktop]) {
      expect(device.sessionStatuses.filter((s) => s !== 'connected' && s !== 'connecting')).toEqual([])
    }
    // The asking device did not adopt its own prompt a second time.
    const laptopList = (await laptop.core.router.invoke('history:list', [{}])) as ConversationSummary[]
    expect(laptopList.filter((c) => c.id === conversationId)).toEqual([
      expect.not.objectContaining({ askedElsewhere: true }),
    ])
    // The other device's sidebar marks it as asked on another device.
    const desktopList = (await desktop.core.router.invoke('history:list', [{}])) as ConversationSummary[]
    expect(desktopList.find((c) => c.id === conversationId)?.askedElsewhere).toBe(true)
    expect((await diagnosticsOf(desktop)).rejected['unknown-stream'] ?? 0).toBe(0)

    // A third device, closed while this was asked, catches up from the answer store when it connects: the
    // conversation under the same id, the prompt, and both answers byte-identical (their digests checked).
    await cloud.idle()
    const fetchesBefore = cloud.fetchEvents.length
    const listsBefore = cloud.listEvents.length
    const tablet = await startDevice()
    const caughtUp = await eventually(async () => {
      const conversation = await conversationOf(tablet, conversationId)
      const answers = conversation?.turns[0]?.answers ?? []
      return answers.length === 2 && answers.every((a) => a.status === 'complete') ? conversation : undefined
    }, 'the tablet to catch up')
    expect(caughtUp!.turns.map((turn) => [turn.prompt, turn.streamId])).toEqual([
      ['Two columns for two devices', streamId],
    ])
    const tabletList = (await tablet.core.router.invoke('history:list', [{}])) as ConversationSummary[]
    expect(tabletList.find((c) => c.id === conversationId)?.askedElsewhere).toBe(true)
    expect(Object.fromEntries(caughtUp!.turns[0]!.answers.map((a) => [a.modelId, a.text]))).toEqual({
      steady: expected('steady'),
      quick: expected('quick'),
    })
    // It asked for the list with no user named (the Lambda takes the caller from its context), then the stream.
    expect(cloud.listEvents.slice(listsBefore)).toEqual([{ recent: true }])
    expect(cloud.fetchEvents.slice(fetchesBefore)).toContainEqual(expect.objectContaining({ streamId }))
    // Nothing is merged twice: the asking laptop and the live desktop still hold the conversation once.
    for (const device of [laptop, desktop]) {
      const list = (await device.core.router.invoke('history:list', [{}])) as ConversationSummary[]
      expect(list.filter((c) => c.id === conversationId)).toHaveLength(1)
      expect((await conversationOf(device, conversationId))?.turns).toHaveLength(1)
    }
  }, 60_000)

  it('stops from either device: Stop on the other device ends the stream on both, and so does Stop on the asking one', async () => {
    const laptop = await startDevice()
    const desktop = await startDevice()
    const stopsBefore = cloud.stopRequests.length

    // Asked on the laptop, stopped on the desktop.
    const first = await laptop.send('Think forever', ['endless'])
    await desktop.until(() => desktop.column(first.streamId, 'endless')?.text || undefined, 'the adopted stream')
    await desktop.core.router.invoke('chat:stop', [{ streamId: first.streamId }])
    expect((await laptop.finished(first.streamId, ['endless'])).endless).toEqual({
      text: 'Thinking… still ',
      status: 'stopped',
    })
    expect((await desktop.finished(first.streamId, ['endless'])).endless).toEqual({
      text: 'Thinking… still ',
      status: 'stopped',
    })

    // Asked on the desktop, stopped on the desktop: the laptop sees it stop too.
    const second = await desktop.send('Think forever again', ['endless'])
    await laptop.until(() => laptop.column(second.streamId, 'endless')?.text || undefined, 'the adopted stream')
    await desktop.core.router.invoke('chat:stop', [{ streamId: second.streamId }])
    expect((await laptop.finished(second.streamId, ['endless'])).endless?.status).toBe('stopped')
    // Each stop went through the stream's retained control topic, which the chat Lambda reads.
    expect(cloud.stopRequests.slice(stopsBefore).map((text) => JSON.parse(text) as unknown)).toEqual([
      { stop: 'all' },
      { stop: 'all' },
    ])
  }, 60_000)

  it('refuses a client id of another identity, and drops forged, malformed and misrouted announcements, counted', async () => {
    // The broker, as IoT Core's policy does, refuses a client id that does not start with the caller's identity id.
    const other = await rawClient(mosquitto.port, mosquitto.host)
    await other.write(connectPacket({ clientId: `us-east-1:${randomUUID()}-0123456789abcdef` }))
    await other.closed
    expect(other.received().subarray(0, 4)).not.toEqual(CONNACK_ACCEPTED)

    const desktop = await startDevice()
    const announcement = (streamId: string, deviceId = 'abcdefabcdefabcd') => ({
      v: 1 as const,
      streamId,
      conversationId: `conversation-${streamId}`,
      deviceId,
      prompt: 'Who asked this?',
      models: ['quick'],
      at: clock.now(),
    })
    const topic = (streamId: string) => announcementTopic(PREFIX, identityId, streamId)

    // A device of the user (its own prefix, so it may connect) cannot publish an announcement: only the backend may.
    const device = await rawClient(mosquitto.port, mosquitto.host)
    cleanups.push(async () => device.socket.destroy())
    await device.write(connectPacket({ clientId: `${identityId}-ffffffffffffffff` }))
    await desktop.until(() => (device.received().length >= 4 ? true : undefined), "the device's CONNACK")
    expect(device.received().subarray(0, 4)).toEqual(CONNACK_ACCEPTED)
    await device.write(publishPacket(topic('forged'), Buffer.from(encodeAnnouncement(announcement('forged')))))

    const before = (await diagnosticsOf(desktop)).rejected
    const publish = (to: string, payload: string) => cloud.dataPlane.publish(to, payload)
    await publish(topic('malformed'), '{"v":1,"streamId":"malformed"')
    await publish(
      topic('too-many'),
      JSON.stringify({ ...announcement('too-many'), models: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] }),
    )
    await publish(topic('extra'), JSON.stringify({ ...announcement('extra'), userId: 'us-east-1:someone-else' }))
    await publish(topic('bad-device'), JSON.stringify(announcement('bad-device', 'not-a-device-id')))
    // Its topic names one stream and its payload another.
    await publish(topic('routed'), encodeAnnouncement(announcement('elsewhere')))
    // The device's own announcement: nothing to adopt.
    await publish(topic('own'), encodeAnnouncement(announcement('own', desktop.runtime.deviceId)))
    // Last, one that is fine: once it is followed, every earlier one has been handled.
    await publish(topic('genuine'), encodeAnnouncement(announcement('genuine')))
    await desktop.until(() => desktop.column('genuine', 'quick'), 'the genuine announcement to be adopted')

    for (const streamId of ['forged', 'malformed', 'too-many', 'extra', 'bad-device', 'elsewhere', 'routed', 'own'])
      expect(await conversationOf(desktop, `conversation-${streamId}`)).toBeNull()
    expect((await conversationOf(desktop, 'conversation-genuine'))?.turns[0]?.prompt).toBe('Who asked this?')
    const after = (await diagnosticsOf(desktop)).rejected
    const counted = (reason: string) => (after[reason] ?? 0) - (before[reason] ?? 0)
    expect(counted('announcement-invalid')).toBe(4)
    expect(counted('announcement-foreign-topic')).toBe(1)
  }, 60_000)

  it('follows a Regenerate and a Continue asked on the other device live, as attempts at the same turn, and catches up on them', async () => {
    const laptop = await startDevice()
    const desktop = await startDevice()
    const { streamId: turn, conversationId } = await laptop.send('Tell a story', ['cut'])
    await laptop.finished(turn, ['cut'])
    await desktop.finished(turn, ['cut'])

    const regenerated = (await laptop.core.router.invoke('chat:regenerate', [
      { conversationId, turnStreamId: turn, modelId: 'cut' },
    ])) as { streamId: string }
    expect((await desktop.finished(regenerated.streamId, ['cut'])).cut).toEqual({
      text: expected('cut'),
      status: 'complete',
    })
    await laptop.finished(regenerated.streamId, ['cut'])
    // Continue once the laptop has written the cut answer's end (it refuses an answer it still sees streaming).
    const continued = await eventually(
      () =>
        laptop.core.router
          .invoke('chat:continue', [{ conversationId, streamId: regenerated.streamId, modelId: 'cut' }])
          .then((result) => result as { streamId: string })
          .catch(() => undefined),
      'the laptop to continue the cut answer',
    )
    // Live on the desktop, starting with its own copy of the cut answer, as on the laptop.
    const whole = expected('cut') + expected('cut')
    expect((await desktop.finished(continued.streamId, ['cut'])).cut).toEqual({ text: whole, status: 'complete' })
    const liveUpdates = desktop.updates.filter((u) => u.streamId === continued.streamId && u.append)
    expect(liveUpdates.length).toBeGreaterThan(3)

    // One turn with three attempts of the model, on both devices; the desktop still marks it asked elsewhere.
    const attempts = async (device: Awaited<ReturnType<typeof startDevice>>) => {
      const conversation = await conversationOf(device, conversationId)
      const answers = conversation?.turns.length === 1 ? conversation.turns[0]!.answers : []
      return answers.length === 3 && answers.every((a) => a.status === 'complete')
        ? answers.map((a) => [a.attempt, a.streamId, a.text])
        : undefined
    }
    const expectedAttempts = [
      [1, turn, expected('cut')],
      [2, regenerated.streamId, expected('cut')],
      [3, continued.streamId, whole],
    ]
    expect(await eventually(() => attempts(laptop), 'the laptop to store three attempts')).toEqual(expectedAttempts)
    expect(await eventually(() => attempts(desktop), 'the desktop to store three attempts')).toEqual(expectedAttempts)
    const desktopList = (await desktop.core.router.invoke('history:list', [{}])) as ConversationSummary[]
    expect(desktopList.filter((c) => c.id === conversationId)).toEqual([
      expect.objectContaining({ askedElsewhere: true }),
    ])

    // A device that was closed meanwhile catches up on the turn and both attempts, from the answer store.
    await cloud.idle()
    const tablet = await startDevice()
    expect(await eventually(() => attempts(tablet), 'the tablet to catch up on the attempts')).toEqual(expectedAttempts)
  }, 60_000)

  it('catches up after a reconnect whose session the broker no longer had (a laptop asleep past its expiry)', async () => {
    const laptop = await startDevice()
    const tablet = await startDevice()
    // Another connection with the tablet's client id and a clean session: the broker drops the tablet and forgets
    // its session (subscriptions and queue), as IoT Core does once a persistent session expires.
    const intruder = await rawClient(mosquitto.port, mosquitto.host)
    cleanups.push(async () => intruder.socket.destroy())
    await intruder.write(connectPacket({ clientId: `${identityId}-${tablet.runtime.deviceId!}` }))
    await tablet.until(() => (tablet.runtime.session.status !== 'connected' ? true : undefined), 'the tablet to drop')

    // Asked while the tablet is away (its client reconnects after at least a second; this answer takes ~0.2 s).
    const { streamId, conversationId } = await laptop.send('While the tablet slept', ['quick'])
    await laptop.finished(streamId, ['quick'])
    await cloud.idle()
    expect(await conversationOf(tablet, conversationId)).toBeNull()

    // Back: it subscribes again, and catches up on what it missed from the answer store.
    const caughtUp = await eventually(async () => {
      const answer = (await conversationOf(tablet, conversationId))?.turns[0]?.answers[0]
      return answer?.status === 'complete' ? answer : undefined
    }, 'the tablet to catch up after its reconnect')
    expect(caughtUp.text).toBe(expected('quick'))
    // It was away (not just slow): its session was interrupted and came back.
    expect(tablet.sessionStatuses).toContain('interrupted')
    expect(tablet.runtime.session.status).toBe('connected')
  }, 60_000)
})
