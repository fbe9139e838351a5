import { describe, expect, it } from 'vitest'
import { endDetails } from '../../../src-main/core/chat/answer-output'
import { ChatService, type ChatBackend } from '../../../src-main/core/chat/chat-service'
import { CONTINUE_INSTRUCTION } from '../../../src-main/core/chat/continuation'
import { DiagnosticsRecorder } from '../../../src-main/core/diagnostics'
import type { ChatRequest } from '../../../src-main/backend/chat-handler'
import { encodeChunk, streamTopic, type ChunkMessage } from '../../../src-main/protocol/stream-protocol'
import type { StreamUpdate } from '../../../src-main/shared/ipc-contract'
import type { ModelPrice } from '../../../src-main/shared/price'
import { ManualClock } from '../../support/manual-clock'
import { memoryHistory } from '../../support/memory-history'
import { sha256Hex } from '../../support/sha256'

/** The remote end of the chat (the Lambda in cloud mode): records what it is asked. */
class RecordingBackend implements ChatBackend {
  readonly started: ChatRequest[] = []
  readonly stopped: Array<[string, string | undefined]> = []
  failStart = false
  async start(request: ChatRequest) {
    if (this.failStart) throw new Error('Lambda unavailable')
    this.started.push(request)
  }
  async stop(streamId: string, modelId?: string) {
    this.stopped.push([streamId, modelId])
  }
}

async function setup(options: { online?: boolean; prices?: Record<string, ModelPrice> } = {}) {
  const knownModels = ['a', 'b']
  const clock = new ManualClock()
  const history = await memoryHistory(clock)
  const backend = new RecordingBackend()
  const diagnostics = new DiagnosticsRecorder()
  const batches: StreamUpdate[][] = []
  const chat = new ChatService({
    userId: 'u1',
    topicPrefix: 'sd',
    backend,
    conversations: history.conversations,
    modelLabel: (id) => (knownModels.includes(id) ? `Model ${id.toUpperCase()}` : undefined),
    online: options.online ?? true,
    emitUpdates: (updates) => batches.push(updates),
    diagnostics,
    clock,
    ...(options.prices ? { priceFor: (id: string) => options.prices![id] } : {}),
  })
  const deliver = (message: Omit<ChunkMessage, 'v'>) =>
    chat.receive(streamTopic('sd', 'u1', message.streamId), new TextEncoder().encode(encodeChunk({ v: 1, ...message })))
  const columns = () => {
    const byKey: Record<string, { text: string; status: string; stalled?: boolean; error?: unknown }> = {}
    for (const update of batches.flat()) {
      const column = (byKey[update.modelId] ??= { text: '', status: 'streaming' })
      column.text += update.append
      column.status = update.status
      if (update.stalled !== undefined) column.stalled = update.stalled
      if (update.error) column.error = update.error
    }
    return byKey
  }
  return { clock, backend, diagnostics, batches, chat, deliver, columns, history }
}

describe('ChatService', () => {
  it("announces the user's models streaming at once with each prompt (the backend's publish budget share)", async () => {
    const { backend, chat, deliver } = await setup()
    const first = await chat.send({ prompt: 'Hi', modelIds: ['a', 'b'] })
    await chat.send({ prompt: 'And?', modelIds: ['a'] })
    // The first prompt's two models still stream: the second prompt counts them with its own.
    expect(backend.started.map((r) => r.concurrentModels)).toEqual([2, 3])
    for (const modelId of ['a', 'b'])
      deliver({
        streamId: first.streamId,
        modelId,
        seq: 0,
        text: 'x',
        final: { total: 1, status: 'complete', sha256: sha256Hex('x') },
      })
    await chat.send({ prompt: 'Once more', modelIds: ['b'] })
    expect(backend.started[2]!.concurrentModels).toBe(2)
  })

  it('asks the backend for every model and turns out-of-order chunks into in-order column text', async () => {
    const { backend, chat, deliver, columns, clock, batches } = await setup()
    const { streamId } = await chat.send({ prompt: 'Hi', modelIds: ['a', 'b'] })
    expect(backend.started[0]).toMatchObject({ userId: 'u1', streamId, models: [{ modelId: 'a' }, { modelId: 'b' }] })
    deliver({ streamId, modelId: 'a', seq: 1, text: ' world' })
    deliver({
      streamId,
      modelId: 'b',
      seq: 0,
      text: 'Bonjour',
      final: { sha256: sha256Hex('Bonjour'), total: 1, status: 'complete' },
    })
    deliver({ streamId, modelId: 'a', seq: 0, text: 'Hello' })
    deliver({ streamId, modelId: 'a', seq: 1, text: ' world' })
    clock.advance(16)
    expect(batches).toHaveLength(1)
    deliver({
      streamId,
      modelId: 'a',
      seq: 2,
      text: '!',
      final: { sha256: sha256Hex('Hello world!'), total: 3, status: 'complete', usage: { outputTokens: 3 } },
    })
    clock.advance(16)
    expect(columns()).toEqual({
      a: { text: 'Hello world!', status: 'complete', stalled: false },
      b: { text: 'Bonjour', status: 'complete', stalled: false },
    })
    expect(batches[1]![0]!.usage).toEqual({ outputTokens: 3 })
    expect(chat.activeStreamCount).toBe(0)
  })

  it('counts unknown streams, unknown models and late redeliveries of a finished stream', async () => {
    const { chat, deliver, diagnostics } = await setup()
    const { streamId } = await chat.send({ prompt: 'Hi', modelIds: ['a'] })
    deliver({ streamId: 'nope', modelId: 'a', seq: 0, text: 'x' })
    deliver({ streamId, modelId: 'zzz', seq: 0, text: 'x' })
    deliver({
      streamId,
      modelId: 'a',
      seq: 0,
      text: 'done',
      final: { sha256: sha256Hex('done'), total: 1, status: 'complete' },
    })
    deliver({
      streamId,
      modelId: 'a',
      seq: 0,
      text: 'done',
      final: { sha256: sha256Hex('done'), total: 1, status: 'complete' },
    })
    chat.receive('sd/u1/x', new Uint8Array([1, 2, 3]))
    expect(diagnostics.snapshot(0)).toMatchObject({
      messagesReceived: 5,
      chunksDelivered: 1,
      duplicatesDropped: 1,
      rejected: { 'unknown-stream': 1, 'unknown-model': 1, 'not-json': 1 },
      // Per column: the stream's one chunk and its late redelivery; nothing for the unknown stream or model.
      streams: [{ streamId, modelId: 'a', chunksDelivered: 1, duplicatesDropped: 1, gapsReported: 0 }],
    })
  })

  it('marks a column stalled when a gap stays open, and clears it when text flows again', async () => {
    const { chat, deliver, columns, clock, diagnostics } = await setup()
    const { streamId } = await chat.send({ prompt: 'Hi', modelIds: ['a'] })
    deliver({ streamId, modelId: 'a', seq: 1, text: 'later' })
    clock.advance(4_000)
    expect(columns().a?.stalled).toBeUndefined()
    clock.advance(2_000)
    expect(columns().a).toMatchObject({ status: 'streaming', stalled: true })
    expect(diagnostics.snapshot(1).gapsReported).toBe(1)
    expect(diagnostics.snapshot(1).streams).toEqual([
      { streamId, modelId: 'a', chunksDelivered: 0, duplicatesDropped: 0, gapsReported: 1 },
    ])
    deliver({ streamId, modelId: 'a', seq: 0, text: 'first ' })
    clock.advance(16)
    expect(columns().a).toMatchObject({ text: 'first later', stalled: false })
  })

  it('ends a silent column with a timeout error', async () => {
    const { chat, deliver, columns, clock } = await setup()
    const { streamId } = await chat.send({ prompt: 'Hi', modelIds: ['a', 'b'] })
    deliver({
      streamId,
      modelId: 'b',
      seq: 0,
      text: 'ok',
      final: { sha256: sha256Hex('ok'), total: 1, status: 'complete' },
    })
    clock.advance(151_000)
    expect(columns().a).toMatchObject({ status: 'error', error: { code: 'timeout' } })
    expect(chat.activeStreamCount).toBe(0)
  })

  it('passes stop to the backend and stops locally if the backend never confirms', async () => {
    const { chat, backend, columns, clock, deliver } = await setup()
    const { streamId } = await chat.send({ prompt: 'Hi', modelIds: ['a', 'b'] })
    await chat.stop({ streamId, modelId: 'a' })
    expect(backend.stopped).toEqual([[streamId, 'a']])
    clock.advance(6_000)
    expect(columns().a?.status).toBe('stopped')
    expect(columns().b).toBeUndefined()
    deliver({
      streamId,
      modelId: 'b',
      seq: 0,
      text: 'still here',
      final: { sha256: sha256Hex('still here'), total: 1, status: 'complete' },
    })
    clock.advance(16)
    expect(columns().b).toMatchObject({ text: 'still here', status: 'complete' })
  })

  it('shows a backend that refuses the prompt as an error in every column', async () => {
    const { chat, backend, columns, clock } = await setup()
    backend.failStart = true
    await chat.send({ prompt: 'Hi', modelIds: ['a', 'b'] })
    clock.advance(16)
    expect(columns().a).toMatchObject({
      status: 'error',
      error: { message: expect.stringContaining('Lambda unavailable') },
    })
    expect(columns().b?.status).toBe('error')
  })

  it('refuses unknown models and unknown conversations', async () => {
    const { chat } = await setup()
    await expect(chat.send({ prompt: 'Hi', modelIds: ['a', 'ghost'] })).rejects.toThrow('Unknown model: ghost')
    await expect(chat.send({ prompt: 'Hi', modelIds: ['a'], conversationId: 'missing' })).rejects.toThrow(
      /conversation/,
    )
  })

  it('sends each model its own earlier turns as context', async () => {
    const { chat, backend, deliver } = await setup()
    const first = await chat.send({ prompt: 'one', modelIds: ['a', 'b'] })
    deliver({
      streamId: first.streamId,
      modelId: 'a',
      seq: 0,
      text: 'A says',
      final: { sha256: sha256Hex('A says'), total: 1, status: 'complete' },
    })
    deliver({
      streamId: first.streamId,
      modelId: 'b',
      seq: 0,
      text: '',
      final: { sha256: sha256Hex(''), total: 1, status: 'error', error: { code: 'internal', message: 'x' } },
    })
    await chat.send({ prompt: 'two', modelIds: ['a', 'b'], conversationId: first.conversationId })
    const [a, b] = backend.started[1]!.models
    expect(a!.messages).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'A says' },
      { role: 'user', content: 'two' },
    ])
    expect(b!.messages).toEqual([{ role: 'user', content: 'two' }])
  })

  it('regenerates one column: same prompt and context, its own stream, the next attempt in history', async () => {
    const { chat, backend, deliver, history, batches, clock } = await setup()
    const done = (streamId: string, modelId: string, text: string) =>
      deliver({ streamId, modelId, seq: 0, text, final: { sha256: sha256Hex(text), total: 1, status: 'complete' } })
    const first = await chat.send({ prompt: 'one', modelIds: ['a', 'b'] })
    done(first.streamId, 'a', 'A1')
    done(first.streamId, 'b', 'B1')
    const second = await chat.send({ prompt: 'two', modelIds: ['a', 'b'], conversationId: first.conversationId })
    done(second.streamId, 'a', 'A2')
    done(second.streamId, 'b', 'B2')

    const again = await chat.regenerate({
      conversationId: first.conversationId,
      turnStreamId: second.streamId,
      modelId: 'a',
    })
    expect(again.streamId).not.toBe(second.streamId)
    expect(backend.started[2]).toMatchObject({
      streamId: again.streamId,
      models: [
        {
          modelId: 'a',
          messages: [
            { role: 'user', content: 'one' },
            { role: 'assistant', content: 'A1' },
            { role: 'user', content: 'two' },
          ],
        },
      ],
    })
    expect(backend.started[2]!.models).toHaveLength(1)
    done(again.streamId, 'a', 'A2 again')
    clock.advance(16)
    expect(batches.flat().filter((u) => u.streamId === again.streamId)).toMatchObject([
      { modelId: 'a', append: 'A2 again', status: 'complete' },
    ])
    const answers = history.store.getConversation(first.conversationId)!.turns[1]!.answers
    expect(answers.map((a) => [a.modelId, a.attempt, a.text, a.status])).toEqual([
      ['a', 1, 'A2', 'complete'],
      ['a', 2, 'A2 again', 'complete'],
      ['b', 1, 'B2', 'complete'],
    ])

    // A follow-up sends each model its newest answer, not every version.
    await chat.send({ prompt: 'three', modelIds: ['a'], conversationId: first.conversationId })
    expect(backend.started[3]!.models[0]!.messages.slice(2, 4)).toEqual([
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'A2 again' },
    ])
  })

  it("sends an edited prompt after the edited turn's parent: the old branch is kept but not sent as context", async () => {
    const { chat, backend, deliver, history } = await setup()
    const done = (streamId: string, text: string) =>
      deliver({
        streamId,
        modelId: 'a',
        seq: 0,
        text,
        final: { sha256: sha256Hex(text), total: 1, status: 'complete' },
      })
    const first = await chat.send({ prompt: 'one', modelIds: ['a'] })
    done(first.streamId, 'A1')
    const { conversationId } = first
    const second = await chat.send({ prompt: 'two', modelIds: ['a'], conversationId })
    done(second.streamId, 'A2')

    const edited = await chat.send({ prompt: 'two, edited', modelIds: ['a'], conversationId, after: first.streamId })
    expect(backend.started.at(-1)!.models[0]!.messages).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'two, edited' },
    ])
    const turns = history.store.getConversation(conversationId)!.turns
    expect(turns.map((t) => [t.prompt, t.parentTurnId])).toEqual([
      ['one', null],
      ['two', turns[0]!.id],
      ['two, edited', turns[0]!.id],
    ])
    expect(turns[2]!.streamId).toBe(edited.streamId)
    await expect(chat.send({ prompt: 'x', modelIds: ['a'], conversationId, after: 'missing' })).rejects.toThrow(
      /no longer exists/,
    )
    await expect(chat.send({ prompt: 'x', modelIds: ['a'], after: first.streamId })).rejects.toThrow(
      'no turn to follow',
    )
  })

  it("regenerates with the conversation's system prompt first, as the turn was sent", async () => {
    const { chat, backend, deliver } = await setup()
    const sent = await chat.send({ prompt: 'one', modelIds: ['a'], systemPrompt: 'Answer in French.' })
    deliver({
      streamId: sent.streamId,
      modelId: 'a',
      seq: 0,
      text: 'Un',
      final: { sha256: sha256Hex('Un'), total: 1, status: 'complete' },
    })
    await chat.regenerate({ conversationId: sent.conversationId, turnStreamId: sent.streamId, modelId: 'a' })
    const system = { role: 'system', content: 'Answer in French.' }
    expect(backend.started[0]!.models[0]!.messages[0]).toEqual(system)
    expect(backend.started[1]!.models[0]!.messages).toEqual([system, { role: 'user', content: 'one' }])
  })

  it('refuses to regenerate for an unknown model, conversation or turn, asking the backend nothing', async () => {
    const { chat, backend } = await setup()
    const { streamId, conversationId } = await chat.send({ prompt: 'one', modelIds: ['a'] })
    const ask = (conversation: string, turnStreamId: string, modelId: string) =>
      chat.regenerate({ conversationId: conversation, turnStreamId, modelId })
    await expect(ask(conversationId, streamId, 'ghost')).rejects.toThrow('Unknown model: ghost')
    await expect(ask('missing', streamId, 'a')).rejects.toThrow('no longer in the conversation')
    await expect(ask(conversationId, 'missing', 'a')).rejects.toThrow('no longer in the conversation')
    expect(backend.started).toHaveLength(1)
  })

  it('keeps every turn and answer in the history as it streams', async () => {
    const { chat, deliver, history, clock } = await setup()
    const { streamId, conversationId } = await chat.send({ prompt: 'Tell me', modelIds: ['a', 'b'] })
    deliver({ streamId, modelId: 'a', seq: 0, text: 'Part one, ' })
    clock.advance(400)
    const partial = history.store.getConversation(conversationId)!
    expect(partial.title).toBe('Tell me')
    expect(partial.turns[0]!.answers.map((a) => [a.modelLabel, a.text, a.status])).toEqual([
      ['Model A', 'Part one, ', 'streaming'],
      ['Model B', '', 'streaming'],
    ])
    deliver({
      streamId,
      modelId: 'a',
      seq: 1,
      text: 'part two.',
      final: { sha256: sha256Hex('Part one, part two.'), total: 2, status: 'complete', usage: { outputTokens: 4 } },
    })
    deliver({
      streamId,
      modelId: 'b',
      seq: 0,
      text: '',
      final: {
        sha256: sha256Hex(''),
        total: 1,
        status: 'error',
        error: { code: 'rate-limited', message: 'slow down' },
      },
    })
    // The ends are written right after the window is told of them, with the frame's batch.
    clock.advance(16)
    const done = history.store.getConversation(conversationId)!.turns[0]!.answers
    expect(done[0]).toMatchObject({ text: 'Part one, part two.', status: 'complete', usage: { outputTokens: 4 } })
    expect(done[1]).toMatchObject({ status: 'error', error: { code: 'rate-limited', message: 'slow down' } })
    expect(history.changes()).toBeGreaterThan(0)
  })

  it('queues prompts while offline, shows them as queued, and sends them in order when the connection returns', async () => {
    const { chat, backend, columns, clock } = await setup({ online: false })
    const first = await chat.send({ prompt: 'one', modelIds: ['a'] })
    const second = await chat.send({ prompt: 'two', modelIds: ['b'] })
    clock.advance(16)
    expect(backend.started).toEqual([])
    expect(columns()).toEqual({ a: { text: '', status: 'queued' }, b: { text: '', status: 'queued' } })
    // Waiting is not silence: no timeout while queued.
    clock.advance(200_000)
    expect(columns().a!.status).toBe('queued')
    await chat.setOnline(true)
    expect(backend.started.map((r) => r.streamId)).toEqual([first.streamId, second.streamId])
    clock.advance(16)
    expect(columns().a!.status).toBe('streaming')
  })

  it('cancels a queued prompt without ever asking the backend', async () => {
    const { chat, backend, columns, clock, history } = await setup({ online: false })
    const { streamId, conversationId } = await chat.send({ prompt: 'never mind', modelIds: ['a', 'b'] })
    await chat.stop({ streamId, modelId: 'a' })
    await chat.setOnline(true)
    expect(backend.started).toHaveLength(1)
    expect(backend.started[0]!.models.map((m) => m.modelId)).toEqual(['b'])
    await chat.stop({ streamId })
    clock.advance(16)
    expect(columns().a!.status).toBe('stopped')
    expect(history.store.getConversation(conversationId)!.turns[0]!.answers[0]!.status).toBe('stopped')
  })

  it('accepts an answer whose text hashes to the final digest, and marks a mismatch incomplete', async () => {
    const { chat, deliver, columns, clock, diagnostics } = await setup()
    const good = await chat.send({ prompt: 'x', modelIds: ['a'] })
    deliver({
      streamId: good.streamId,
      modelId: 'a',
      seq: 1,
      text: 'world',
      final: { total: 2, status: 'complete', sha256: sha256Hex('hello world') },
    })
    deliver({ streamId: good.streamId, modelId: 'a', seq: 0, text: 'hello ' })
    const bad = await chat.send({ prompt: 'y', modelIds: ['b'] })
    deliver({ streamId: bad.streamId, modelId: 'b', seq: 0, text: 'hello ' })
    deliver({
      streamId: bad.streamId,
      modelId: 'b',
      seq: 1,
      text: 'wor1d',
      final: { total: 2, status: 'complete', sha256: sha256Hex('hello world') },
    })
    clock.advance(16)
    expect(columns().a).toMatchObject({ text: 'hello world', status: 'complete' })
    expect(columns().b).toMatchObject({ status: 'error', error: { code: 'incomplete' } })
    expect(diagnostics.snapshot(0).rejected).toEqual({ 'checksum-mismatch': 1 })
  })
})

describe('ChatService: why an answer the app ended itself stopped', () => {
  async function ended() {
    const s = await setup()
    const stored = (conversationId: string) =>
      Object.fromEntries(
        s.history.store.getConversation(conversationId)!.turns[0]!.answers.map((a) => [a.modelId, a.end?.stopReason]),
      )
    const shown = () =>
      Object.fromEntries(s.batches.flat().flatMap((u) => (u.end ? [[u.modelId, u.end.stopReason]] : [])))
    return { ...s, stored, shown }
  }

  it("says 'user' for a stop the backend never confirmed, and for a queued prompt cancelled", async () => {
    const { chat, clock, stored, shown } = await ended()
    const { streamId, conversationId } = await chat.send({ prompt: 'Hi', modelIds: ['a', 'b'] })
    await chat.stop({ streamId, modelId: 'a' })
    clock.advance(4_000)
    expect(shown()).toEqual({}) // the backend still has its grace to confirm
    clock.advance(2_000)
    expect(shown()).toEqual({ a: 'user' })
    expect(stored(conversationId)).toEqual({ a: 'user', b: undefined })

    await chat.setOnline(false)
    const queued = await chat.send({ prompt: 'Later', modelIds: ['b'] })
    await chat.stop({ streamId: queued.streamId })
    clock.advance(16)
    expect(stored(queued.conversationId)).toEqual({ b: 'user' })
  })

  it("says 'error' for silence and for a prompt the backend refused, and nothing for a complete answer", async () => {
    const { chat, clock, deliver, stored, shown, backend } = await ended()
    const { streamId, conversationId } = await chat.send({ prompt: 'Hi', modelIds: ['a', 'b'] })
    deliver({
      streamId,
      modelId: 'b',
      seq: 0,
      text: 'ok',
      final: { sha256: sha256Hex('ok'), total: 1, status: 'complete' },
    })
    clock.advance(151_000)
    expect(shown()).toEqual({ a: 'error', b: undefined })
    expect(stored(conversationId)).toEqual({ a: 'error', b: undefined })

    backend.failStart = true
    const refused = await chat.send({ prompt: 'Again', modelIds: ['a'] })
    clock.advance(16)
    expect(stored(refused.conversationId)).toEqual({ a: 'error' })
  })

  it("fills a backend's marker that gives no reason (v1), and keeps one that does", async () => {
    const { chat, clock, deliver, stored } = await ended()
    const { streamId, conversationId } = await chat.send({ prompt: 'Hi', modelIds: ['a', 'b'] })
    const failure = { code: 'bad-response' as const, message: 'boom' }
    deliver({
      streamId,
      modelId: 'a',
      seq: 0,
      text: '',
      final: { sha256: sha256Hex(''), total: 1, status: 'error', error: failure },
    })
    // A damaged answer ends in error, but the model's own marker said why it stopped: that stays.
    const cut = { sha256: sha256Hex('other'), total: 1, status: 'complete' as const, stopReason: 'max-tokens' as const }
    chat.receive(
      streamTopic('sd', 'u1', streamId),
      new TextEncoder().encode(encodeChunk({ v: 2, streamId, modelId: 'b', seq: 0, text: 'cut', final: cut })),
    )
    clock.advance(16)
    expect(stored(conversationId)).toEqual({ a: 'error', b: 'max-tokens' })
  })
})

describe('ChatService with reasoning (protocol v2)', () => {
  const encoder = new TextEncoder()
  const thinking = ['Hmm, ', 'the sky… ', '東京 🌞']
  const reasoning = thinking.join('')

  async function v2Setup(prices?: Record<string, ModelPrice>) {
    const s = await setup(prices ? { prices } : {})
    const { streamId, conversationId } = await s.chat.send({ prompt: 'Why?', modelIds: ['a', 'b'] })
    const deliver = (message: Omit<ChunkMessage, 'v' | 'streamId'>, v: 1 | 2 = 2) =>
      s.chat.receive(streamTopic('sd', 'u1', streamId), encoder.encode(encodeChunk({ v, streamId, ...message })))
    const stored = () => s.history.store.getConversation(conversationId)!.turns[0]!.answers
    const updates = (modelId: string) => s.batches.flat().filter((u) => u.modelId === modelId)
    return { ...s, streamId, deliver, stored, updates }
  }

  it('sends reasoning to the renderer in order beside the text, ends with the end details, and stores both', async () => {
    const { deliver, clock, updates, stored } = await v2Setup()
    const end = {
      total: 4,
      status: 'complete' as const,
      sha256: sha256Hex('Blue.'),
      reasoningSha256: sha256Hex(reasoning),
      stopReason: 'other' as const,
      rawStopReason: 'SOMETHING_NEW',
      metrics: { inputTokens: 4, outputTokens: 20, reasoningTokens: 15, firstTokenMs: 90, firstAnswerTokenMs: 700 },
    }
    deliver({ modelId: 'a', seq: 2, text: 'Blu', reasoning: thinking[2]! })
    deliver({ modelId: 'a', seq: 0, text: '', reasoning: thinking[0]! })
    clock.advance(16)
    deliver({ modelId: 'a', seq: 1, text: '', reasoning: thinking[1]! })
    deliver({ modelId: 'a', seq: 1, text: '', reasoning: thinking[1]! })
    clock.advance(16)
    deliver({ modelId: 'a', seq: 3, text: 'e.', final: end })
    clock.advance(16)
    const column = updates('a')
    expect(column.map((u) => u.appendReasoning ?? '').join('')).toBe(reasoning)
    expect(column.map((u) => u.append).join('')).toBe('Blue.')
    expect(column.map((u) => u.appendReasoning)).toEqual(['Hmm, ', 'the sky… 東京 🌞', undefined])
    expect(column.at(-1)).toMatchObject({
      status: 'complete',
      usage: { inputTokens: 4, outputTokens: 20 },
      end: { stopReason: 'other', rawStopReason: 'SOMETHING_NEW', metrics: end.metrics },
    })
    expect(column.slice(0, -1).some((u) => u.end !== undefined)).toBe(false)
    expect(stored()[0]).toMatchObject({
      text: 'Blue.',
      reasoning,
      status: 'complete',
      end: { stopReason: 'other', rawStopReason: 'SOMETHING_NEW', metrics: end.metrics },
    })
  })

  it('costs an answer at the price in effect when it ends; history keeps that cost when the price changes', async () => {
    const prices: Record<string, ModelPrice> = { a: { inputPerMillion: 3, outputPerMillion: 15 } }
    const { deliver, clock, updates, stored, history } = await v2Setup(prices)
    // Reasoning tokens are part of the output tokens: billed once, at the output price.
    const metrics = { inputTokens: 1_000, outputTokens: 2_000, reasoningTokens: 1_500, durationMs: 900 }
    const final = { total: 1, status: 'complete' as const, sha256: sha256Hex('Ok'), metrics }
    deliver({ modelId: 'a', seq: 0, text: 'Ok', final })
    deliver({ modelId: 'b', seq: 0, text: 'Ok', final })
    clock.advance(16)
    const expected = (1_000 * 3 + 2_000 * 15) / 1_000_000
    expect(updates('a').at(-1)!.end!.costUsd).toBeCloseTo(expected, 12)
    expect(stored()[0]!.end!.costUsd).toBeCloseTo(expected, 12)
    // No price for b: no cost, on screen or in history.
    expect(updates('b').at(-1)!.end).not.toHaveProperty('costUsd')
    expect(stored()[1]!.end).not.toHaveProperty('costUsd')
    // A later price applies to later answers only.
    prices.a = { inputPerMillion: 100, outputPerMillion: 100 }
    history.writer.flush()
    expect(stored()[0]!.end!.costUsd).toBeCloseTo(expected, 12)
  })

  it('costs a v1 answer from its usage, and leaves an answer the app ended itself uncosted', async () => {
    const price = { inputPerMillion: 1, outputPerMillion: 2 }
    const { deliver, clock, updates } = await v2Setup({ a: price, b: price })
    deliver(
      {
        modelId: 'a',
        seq: 0,
        text: 'Hi',
        final: { total: 1, status: 'complete', sha256: sha256Hex('Hi'), usage: { inputTokens: 10, outputTokens: 5 } },
      },
      1,
    )
    clock.advance(16)
    expect(updates('a').at(-1)!.end!.costUsd).toBeCloseTo(20 / 1_000_000, 15)
    clock.advance(200_000) // b heard nothing: the app ends it, with no token counts to cost
    expect(updates('b').at(-1)).toMatchObject({ status: 'error', error: { code: 'timeout' }, end: {} })
  })

  it('ends incomplete, without a copy to recover from, when the reasoning does not match its digest', async () => {
    const { deliver, clock, updates, stored, diagnostics } = await v2Setup()
    deliver({ modelId: 'b', seq: 0, text: '', reasoning: 'tampered' })
    deliver({
      modelId: 'b',
      seq: 1,
      text: 'Hi',
      final: { total: 2, status: 'complete', sha256: sha256Hex('Hi'), reasoningSha256: sha256Hex('original') },
    })
    clock.advance(16)
    expect(updates('b').at(-1)).toMatchObject({ status: 'error', error: { code: 'incomplete' } })
    expect(stored()[1]).toMatchObject({ status: 'error', text: 'Hi', reasoning: 'tampered' })
    expect(diagnostics.snapshot(0).rejected['checksum-mismatch']).toBe(1)
  })

  it('counts reasoning as activity: a long thinking phase is not silence, true silence still ends the answer', async () => {
    const { deliver, clock, updates } = await v2Setup()
    for (let seq = 0; seq < 5; seq++) {
      deliver({ modelId: 'a', seq, text: '', reasoning: `thought ${seq} ` })
      clock.advance(100_000) // under the 150 s silence timeout each time, 500 s in all
    }
    expect(updates('a').at(-1)!.status).toBe('streaming')
    clock.advance(60_000)
    expect(updates('a').at(-1)).toMatchObject({ status: 'error', error: { code: 'timeout' } })
  })

  it('never yields reasoning from a v1 stream: the update and history have the answer text only', async () => {
    const { deliver, clock, updates, stored } = await v2Setup()
    // A v1 sender cannot carry reasoning: encoding in v1 drops it, so nothing of it reaches the app.
    deliver({ modelId: 'a', seq: 0, text: 'Plain', reasoning: 'secret thoughts' }, 1)
    deliver(
      { modelId: 'a', seq: 1, text: '.', final: { total: 2, status: 'complete', sha256: sha256Hex('Plain.') } },
      1,
    )
    clock.advance(16)
    const column = updates('a')
    expect(column.map((u) => u.append).join('')).toBe('Plain.')
    expect(column.every((u) => u.appendReasoning === undefined)).toBe(true)
    expect(column.at(-1)).toMatchObject({ status: 'complete', end: {} })
    expect(stored()[0]).toMatchObject({ text: 'Plain.', reasoning: '', status: 'complete' })
    expect(stored()[0]!.end).toBeUndefined()
  })
})

describe('ChatService continuing an answer cut off at the token limit', () => {
  const encoder = new TextEncoder()
  const CUT = 'The answer runs long and'
  const REST = ' ends here.'

  async function cutSetup() {
    const s = await setup()
    const sent = await s.chat.send({ prompt: 'Tell me', modelIds: ['a', 'b'], systemPrompt: 'Be brief.' })
    const deliver = (streamId: string, message: Omit<ChunkMessage, 'v' | 'streamId'>) =>
      s.chat.receive(streamTopic('sd', 'u1', streamId), encoder.encode(encodeChunk({ v: 2, streamId, ...message })))
    // Each answer ends as the window sees it: the end goes out with the next frame's batch, and is written then.
    const answer = (
      streamId: string,
      text: string,
      reasoning: string,
      stopReason: 'max-tokens' | 'end',
      tokens = 7,
    ) => {
      deliver(streamId, {
        modelId: 'a',
        seq: 0,
        text,
        reasoning,
        final: {
          total: 1,
          status: 'complete',
          sha256: sha256Hex(text),
          reasoningSha256: sha256Hex(reasoning),
          stopReason,
          metrics: { inputTokens: 3, outputTokens: tokens, durationMs: 40 },
        },
      })
      s.clock.advance(16)
    }
    const attempts = () =>
      s.history.store.getConversation(sent.conversationId)!.turns[0]!.answers.filter((a) => a.modelId === 'a')
    return { ...s, ...sent, deliver, answer, attempts }
  }

  it('goes on as one answer: a new attempt whose text and reasoning start with the cut ones', async () => {
    const { chat, answer, attempts, backend, batches, clock, history, conversationId, streamId } = await cutSetup()
    answer(streamId, CUT, 'First thoughts. ', 'max-tokens')
    const next = await chat.continueAnswer({ conversationId, streamId, modelId: 'a' })
    expect(next.streamId).not.toBe(streamId)

    // The model is asked with the turn as it was sent, its cut answer as its own, and the instruction to go on.
    expect(backend.started).toHaveLength(2)
    expect(backend.started[1]).toMatchObject({ streamId: next.streamId })
    expect(backend.started[1]!.models.map((m) => m.messages)).toEqual([
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Tell me' },
        { role: 'assistant', content: CUT },
        { role: 'user', content: CONTINUE_INSTRUCTION },
      ],
    ])

    // The window hears of the cut answer first, then of what streams after it.
    clock.advance(16)
    answer(next.streamId, REST, 'More thoughts.', 'end', 4)
    clock.advance(16)
    const updates = batches.flat().filter((u) => u.streamId === next.streamId)
    expect(updates.map((u) => u.append).join('')).toBe(CUT + REST)
    expect(updates.map((u) => u.appendReasoning ?? '').join('')).toBe('First thoughts. More thoughts.')
    expect(updates[0]).toMatchObject({ append: CUT, status: 'streaming' })
    // Why it stopped and its metrics are the continuation's own.
    expect(updates.at(-1)).toMatchObject({
      status: 'complete',
      end: { stopReason: 'end', metrics: { inputTokens: 3, outputTokens: 4, durationMs: 40 } },
    })

    // History: the cut answer stays as version 1; version 2 holds the whole answer, found and exported whole.
    expect(attempts().map((a) => [a.attempt, a.streamId, a.text, a.reasoning, a.status, a.end?.stopReason])).toEqual([
      [1, streamId, CUT, 'First thoughts. ', 'complete', 'max-tokens'],
      [2, next.streamId, CUT + REST, 'First thoughts. More thoughts.', 'complete', 'end'],
    ])
    expect(history.store.search('long and ends').hits.map((h) => h.answer?.id)).toEqual([attempts()[1]!.id])
    expect(history.store.exportConversation(conversationId, 'markdown')).toContain(CUT + REST)

    // A follow-up sends the whole answer as context.
    await chat.send({ prompt: 'And then?', modelIds: ['a'], conversationId })
    expect(backend.started[2]!.models[0]!.messages).toEqual([
      { role: 'user', content: 'Tell me' },
      { role: 'assistant', content: CUT + REST },
      { role: 'user', content: 'And then?' },
    ])
  })

  it('keeps the earlier text when the continuation is cut again, and continues that one in turn', async () => {
    const { chat, answer, attempts, backend, conversationId, streamId } = await cutSetup()
    answer(streamId, CUT, '', 'max-tokens')
    const second = await chat.continueAnswer({ conversationId, streamId, modelId: 'a' })
    answer(second.streamId, ' still', '', 'max-tokens')
    const third = await chat.continueAnswer({ conversationId, streamId: second.streamId, modelId: 'a' })
    expect(backend.started[2]!.models[0]!.messages.at(-2)).toEqual({ role: 'assistant', content: `${CUT} still` })
    answer(third.streamId, REST, '', 'end')
    expect(attempts().map((a) => [a.text, a.reasoning, a.end?.stopReason])).toEqual([
      [CUT, '', 'max-tokens'],
      [`${CUT} still`, '', 'max-tokens'],
      [`${CUT} still${REST}`, '', 'end'],
    ])
  })

  it('refuses an unknown model or answer, one still streaming, and one not cut at the token limit', async () => {
    const { chat, answer, backend, clock, conversationId, streamId } = await cutSetup()
    const ask = (request: { conversationId?: string; streamId?: string; modelId?: string }) =>
      chat.continueAnswer({ conversationId, streamId, modelId: 'a', ...request })
    await expect(ask({})).rejects.toThrow('still streaming')
    await expect(ask({ modelId: 'ghost' })).rejects.toThrow('Unknown model: ghost')
    await expect(ask({ conversationId: 'missing' })).rejects.toThrow('no longer in the conversation')
    await expect(ask({ streamId: 'missing' })).rejects.toThrow('no longer in the conversation')
    // Model b is known but stays streaming.
    await expect(ask({ modelId: 'b' })).rejects.toThrow('still streaming')
    answer(streamId, 'A whole answer.', '', 'end')
    await expect(ask({})).rejects.toThrow(
      'Only an answer cut off at the token limit or by StreamDesk closing can be continued.',
    )
    clock.advance(16)
    expect(backend.started).toHaveLength(1)
  })
})

describe('endDetails', () => {
  it("picks a final marker's details by name, tools and redacted blocks included, and nothing else", () => {
    const marker = {
      total: 3,
      status: 'complete' as const,
      sha256: sha256Hex('x'),
      reasoningSha256: sha256Hex('y'),
      usage: { outputTokens: 2 },
      stopReason: 'tool-call' as const,
      toolNames: ['get_weather', 'search'],
      redactedReasoning: 2,
      metrics: { outputTokens: 2, durationMs: 40 },
      smuggled: 'never passed on',
    }
    const details = endDetails(marker)
    expect(details).toEqual({
      usage: { outputTokens: 2 },
      stopReason: 'tool-call',
      toolNames: ['get_weather', 'search'],
      redactedReasoning: 2,
      metrics: { outputTokens: 2, durationMs: 40 },
    })
    // A copy: what the renderer or history gets cannot change the marker.
    details.toolNames!.push('x')
    expect(marker.toolNames).toHaveLength(2)
    expect(endDetails({ total: 1, status: 'complete' })).toEqual({})
  })
})
