/**
 * A stream asked on another device of the user, followed here (issue 17 item 2): the chat service with the real
 * history store in memory, fed MQTT payloads as the session would deliver them.
 */
import { describe, expect, it } from 'vitest'
import { catchUpOrder, ChatService, type ChatBackend } from '../../../src-main/core/chat/chat-service'
import { DiagnosticsRecorder } from '../../../src-main/core/diagnostics'
import type { ChatRequest } from '../../../src-main/backend/chat-handler'
import { encodeChunk, streamTopic, type ChunkMessage } from '../../../src-main/protocol/stream-protocol'
import {
  announcementTopic,
  encodeAnnouncement,
  type StreamAnnouncement,
} from '../../../src-main/protocol/stream-announcement'
import type { StreamUpdate } from '../../../src-main/shared/ipc-contract'
import { ManualClock } from '../../support/manual-clock'
import { memoryHistory } from '../../support/memory-history'
import { sha256Hex } from '../../support/sha256'

const OWN_DEVICE = '00000000000000aa'
const OTHER_DEVICE = '00000000000000bb'

class RecordingBackend implements ChatBackend {
  readonly started: ChatRequest[] = []
  readonly stopped: Array<[string, string | undefined]> = []
  async start(request: ChatRequest) {
    this.started.push(request)
  }
  async stop(streamId: string, modelId?: string) {
    this.stopped.push([streamId, modelId])
  }
}

async function setup() {
  const clock = new ManualClock()
  const history = await memoryHistory(clock)
  const backend = new RecordingBackend()
  const diagnostics = new DiagnosticsRecorder()
  const updates: StreamUpdate[] = []
  const chat = new ChatService({
    userId: 'u1',
    topicPrefix: 'sd',
    deviceId: OWN_DEVICE,
    backend,
    conversations: history.conversations,
    modelLabel: (id) => (id === 'a' ? 'Model A' : undefined),
    emitUpdates: (batch) => updates.push(...batch),
    diagnostics,
    clock,
    updateIntervalMs: 0,
  })
  const encoder = new TextEncoder()
  const deliver = (message: Omit<ChunkMessage, 'v'>) =>
    chat.receive(streamTopic('sd', 'u1', message.streamId), encoder.encode(encodeChunk({ v: 2, ...message })))
  const announce = (streamId: string, fields: Partial<StreamAnnouncement> | Record<string, unknown> = {}) =>
    chat.receiveAnnouncement(
      announcementTopic('sd', 'u1', streamId),
      encoder.encode(
        encodeAnnouncement({
          v: 1,
          streamId,
          conversationId: 'laptop-conversation',
          deviceId: OTHER_DEVICE,
          prompt: 'Asked on the laptop',
          systemPrompt: 'Be brief.',
          models: ['a', 'b'],
          at: 0,
          ...fields,
        } as StreamAnnouncement),
      ),
    )
  const text = (streamId: string, modelId: string) =>
    updates
      .filter((u) => u.streamId === streamId && u.modelId === modelId)
      .map((u) => u.append)
      .join('')
  return { clock, history, backend, diagnostics, chat, deliver, announce, text, updates }
}

const final = (whole: string, total: number) => ({ total, status: 'complete' as const, sha256: sha256Hex(whole) })

describe('a stream asked on another device', () => {
  it('is followed in the asking device’s conversation, its early chunks held until the announcement, and stored', async () => {
    const { history, diagnostics, chat, deliver, announce, text } = await setup()
    // MQTT orders nothing across topics: two chunks come before the announcement.
    deliver({ streamId: 's1', modelId: 'a', seq: 1, text: ' world' })
    deliver({ streamId: 's1', modelId: 'a', seq: 0, text: 'Hello' })
    announce('s1')
    deliver({ streamId: 's1', modelId: 'a', seq: 2, text: '!', final: final('Hello world!', 3) })
    deliver({ streamId: 's1', modelId: 'b', seq: 0, text: 'B', final: final('B', 1) })
    chat.dispose()

    expect(text('s1', 'a')).toBe('Hello world!')
    expect(text('s1', 'b')).toBe('B')
    const stored = history.store.getConversation('laptop-conversation')!
    expect(stored.systemPrompt).toBe('Be brief.')
    expect(stored.turns.map((t) => [t.prompt, t.streamId])).toEqual([['Asked on the laptop', 's1']])
    // A model this device has no label for keeps its id as the label.
    expect(stored.turns[0]!.answers.map((a) => [a.modelLabel, a.text, a.status])).toEqual([
      ['Model A', 'Hello world!', 'complete'],
      ['b', 'B', 'complete'],
    ])
    expect(history.store.listConversations()[0]).toMatchObject({ id: 'laptop-conversation', askedElsewhere: true })
    expect(diagnostics.snapshot(0).rejected).toEqual({})
  })

  it('ignores its own device’s announcements and a repeated one, also once the stream is only in history', async () => {
    const { history, diagnostics, chat, announce, deliver } = await setup()
    announce('own', { deviceId: OWN_DEVICE, conversationId: 'own-conversation' })
    announce('s1')
    announce('s1')
    deliver({ streamId: 's1', modelId: 'a', seq: 0, text: 'A', final: final('A', 1) })
    deliver({ streamId: 's1', modelId: 'b', seq: 0, text: 'B', final: final('B', 1) })
    chat.dispose()
    expect(history.store.getConversation('own-conversation')).toBeUndefined()
    expect(history.store.getConversation('laptop-conversation')!.turns).toHaveLength(1)
    // A redelivery after a restart: another service on the same history, which no longer follows the stream.
    const restarted = new ChatService({
      userId: 'u1',
      topicPrefix: 'sd',
      deviceId: OWN_DEVICE,
      backend: new RecordingBackend(),
      conversations: history.conversations,
      modelLabel: () => undefined,
      emitUpdates: () => {},
      diagnostics,
    })
    restarted.receiveAnnouncement(
      announcementTopic('sd', 'u1', 's1'),
      new TextEncoder().encode(
        encodeAnnouncement({
          v: 1,
          streamId: 's1',
          conversationId: 'laptop-conversation',
          deviceId: OTHER_DEVICE,
          prompt: 'Asked on the laptop',
          models: ['a', 'b'],
          at: 0,
        }),
      ),
    )
    restarted.dispose()
    expect(history.store.getConversation('laptop-conversation')!.turns).toHaveLength(1)
    expect(diagnostics.snapshot(0).rejected).toEqual({})
  })

  it('drops held chunks whose announcement never comes, counted as an unknown stream', async () => {
    const { clock, diagnostics, deliver } = await setup()
    deliver({ streamId: 'never', modelId: 'a', seq: 0, text: 'x' })
    deliver({ streamId: 'never', modelId: 'a', seq: 1, text: 'y' })
    expect(diagnostics.snapshot(0).rejected).toEqual({})
    clock.advance(10_000)
    // The next chunk of another unknown stream sweeps the expired ones.
    deliver({ streamId: 'other', modelId: 'a', seq: 0, text: 'z' })
    expect(diagnostics.snapshot(0).rejected).toEqual({ 'unknown-stream': 2 })
  })

  it('stops from this device through the backend (the stream’s control topic in cloud mode)', async () => {
    const { backend, chat, announce } = await setup()
    announce('s1')
    await chat.stop({ streamId: 's1' })
    expect(backend.stopped).toEqual([['s1', undefined]])
  })

  it('sends this device’s id and the conversation with each prompt, for the other devices', async () => {
    const { backend, chat } = await setup()
    const { conversationId } = await chat.send({ prompt: 'Hi', modelIds: ['a'] })
    expect(backend.started[0]!.origin).toEqual({ deviceId: OWN_DEVICE, conversationId })
  })

  it('sends a Regenerate and a Continue with the turn they are attempts at, for the other devices', async () => {
    const { backend, chat, clock, deliver } = await setup()
    const { conversationId, streamId: turn } = await chat.send({ prompt: 'Hi', modelIds: ['a'] })
    const cut = { total: 1, status: 'complete' as const, sha256: sha256Hex('Cut'), stopReason: 'max-tokens' as const }
    deliver({ streamId: turn, modelId: 'a', seq: 0, text: 'Cut', final: cut })
    clock.advance(16) // the end is written with the next frame's batch
    await chat.continueAnswer({ conversationId, streamId: turn, modelId: 'a' })
    await chat.regenerate({ conversationId, turnStreamId: turn, modelId: 'a' })
    chat.dispose()
    expect(backend.started.map((r) => r.origin)).toEqual([
      { deviceId: OWN_DEVICE, conversationId },
      { deviceId: OWN_DEVICE, conversationId, attempt: { turnStreamId: turn, continues: turn } },
      { deviceId: OWN_DEVICE, conversationId, attempt: { turnStreamId: turn } },
    ])
  })
})

describe('a Regenerate or Continue asked on another device', () => {
  const attemptAt = (turnStreamId: string, continues?: string) => ({
    v: 2,
    models: ['a'],
    prompt: 'Asked on the laptop',
    attempt: { turnStreamId, ...(continues !== undefined ? { continues } : {}) },
  })

  it('is the next attempt of that model at the turn it names, live and stored', async () => {
    const { history, diagnostics, chat, deliver, announce, text } = await setup()
    announce('s1')
    deliver({ streamId: 's1', modelId: 'a', seq: 0, text: 'First', final: final('First', 1) })
    deliver({ streamId: 's1', modelId: 'b', seq: 0, text: 'B', final: final('B', 1) })
    deliver({ streamId: 'r1', modelId: 'a', seq: 0, text: 'Second' }) // before its announcement: held
    announce('r1', attemptAt('s1'))
    deliver({ streamId: 'r1', modelId: 'a', seq: 1, text: ' try', final: final('Second try', 2) })
    chat.dispose()
    expect(text('r1', 'a')).toBe('Second try')
    const [turn, ...others] = history.store.getConversation('laptop-conversation')!.turns
    expect(others).toEqual([])
    expect(turn!.answers.map((a) => [a.modelId, a.attempt, a.streamId, a.text, a.status])).toEqual([
      ['a', 1, 's1', 'First', 'complete'],
      ['a', 2, 'r1', 'Second try', 'complete'],
      ['b', 1, 's1', 'B', 'complete'],
    ])
    expect(diagnostics.snapshot(0).rejected).toEqual({})
  })

  it('continues from this device’s copy of the cut answer, the continuation appended to it', async () => {
    const { history, chat, deliver, announce, text } = await setup()
    announce('s1', { models: ['a'] })
    const cut = { ...final('Once upon a', 1), stopReason: 'max-tokens' as const }
    deliver({ streamId: 's1', modelId: 'a', seq: 0, text: 'Once upon a', final: cut })
    announce('c1', attemptAt('s1', 's1'))
    deliver({ streamId: 'c1', modelId: 'a', seq: 0, text: ' time.', final: final(' time.', 1) })
    chat.dispose()
    expect(text('c1', 'a')).toBe('Once upon a time.')
    const answers = history.store.getConversation('laptop-conversation')!.turns[0]!.answers
    expect(answers.map((a) => [a.attempt, a.text, a.status])).toEqual([
      [1, 'Once upon a', 'complete'],
      [2, 'Once upon a time.', 'complete'],
    ])
  })

  it('opens a conversation of its own, marked asked on another device, when this device lacks the turn', async () => {
    const { history, chat, deliver, announce } = await setup()
    announce('r2', { ...attemptAt('unknown-turn'), conversationId: 'unknown-conversation' })
    deliver({ streamId: 'r2', modelId: 'a', seq: 0, text: 'Again', final: final('Again', 1) })
    chat.dispose()
    const stored = history.store.getConversation('unknown-conversation')!
    expect(stored.turns.map((t) => [t.prompt, t.streamId, t.answers[0]!.text])).toEqual([
      ['Asked on the laptop', 'r2', 'Again'],
    ])
    expect(history.store.listConversations()[0]).toMatchObject({ id: 'unknown-conversation', askedElsewhere: true })
  })

  it('drops and counts an attempt announcement that names more than one model', async () => {
    const { history, diagnostics, chat, announce } = await setup()
    announce('r3', { ...attemptAt('s1'), models: ['a', 'b'] })
    chat.dispose()
    expect(history.store.listConversations()).toEqual([])
    expect(diagnostics.snapshot(0).rejected).toEqual({ 'announcement-invalid': 1 })
  })
})

describe('catch-up order', () => {
  const recent = (streamId: string, storedAt: number, attempt?: { turnStreamId: string; continues?: string }) => ({
    streamId,
    storedAt,
    storedModelIds: ['a'],
    asked: {
      conversationId: 'c',
      deviceId: OTHER_DEVICE,
      prompt: 'p',
      models: ['a'],
      ...(attempt ? { attempt } : {}),
    },
  })

  it('is oldest first, with every Regenerate or Continue after the streams it names, whatever the stored times', () => {
    // Newest first as the fetch Lambda lists them; the same millisecond makes their order arbitrary.
    const listed = [
      recent('continued', 5, { turnStreamId: 'turn', continues: 'regenerated' }),
      recent('regenerated', 5, { turnStreamId: 'turn' }),
      recent('turn', 5),
      recent('older', 1),
      recent('elsewhere', 0, { turnStreamId: 'not-listed' }),
    ]
    expect(catchUpOrder(listed).map((r) => r.streamId)).toEqual([
      'elsewhere',
      'older',
      'turn',
      'regenerated',
      'continued',
    ])
  })
})
