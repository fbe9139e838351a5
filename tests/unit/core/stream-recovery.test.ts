/**
 * The chat service completing answers from the backend's stored copy (cloud mode's StreamRecovery), on a manual
 * clock and the real history store in memory: when a gap stays open, after a restart mid-answer, with retries
 * and a bounded budget, and never with a copy that does not check out.
 */
import { describe, expect, it } from 'vitest'
import { ChatService, type ChatBackend } from '../../../src-main/core/chat/chat-service'
import type { OpenStream, StreamRecovery } from '../../../src-main/core/chat/stream-recovery'
import { DiagnosticsRecorder } from '../../../src-main/core/diagnostics'
import { AnswerWriter } from '../../../src-main/core/history/answer-writer'
import { StoredConversations } from '../../../src-main/core/history/stored-conversations'
import type { ArchivedAnswer } from '../../../src-main/protocol/answer-archive'
import { encodeChunk, streamTopic, type ChunkMessage } from '../../../src-main/protocol/stream-protocol'
import type { StreamUpdate } from '../../../src-main/shared/ipc-contract'
import { ManualClock } from '../../support/manual-clock'
import { memoryHistory } from '../../support/memory-history'
import { sha256Hex } from '../../support/sha256'
import { settle } from '../cloud/cloud-fixtures'

class FakeRecovery implements StreamRecovery {
  readonly stored = new Map<string, ArchivedAnswer[]>()
  readonly fetches: string[] = []
  readonly journal = new Map<string, string[]>()
  readonly given = new Map<string, OpenStream['given']>()
  failures = 0

  async fetch(streamId: string): Promise<ArchivedAnswer[]> {
    this.fetches.push(streamId)
    if (this.failures > 0) {
      this.failures -= 1
      throw new Error('Cannot reach AWS Lambda.')
    }
    return this.stored.get(streamId) ?? []
  }
  opened({ streamId, modelIds, given }: OpenStream): void {
    this.journal.set(streamId, [...modelIds])
    if (given) this.given.set(streamId, given)
  }
  closed(streamId: string, modelId: string): void {
    const left = (this.journal.get(streamId) ?? []).filter((id) => id !== modelId)
    if (left.length > 0) this.journal.set(streamId, left)
    else this.journal.delete(streamId)
  }
  async openStreams(): Promise<OpenStream[]> {
    return [...this.journal].map(([streamId, modelIds]) => {
      const given = this.given.get(streamId)
      return { streamId, modelIds, ...(given && { given }) }
    })
  }
  store(streamId: string, modelId: string, text: string, chunks: number, extra: Partial<ArchivedAnswer> = {}): void {
    const answers = this.stored.get(streamId) ?? []
    answers.push({
      streamId,
      modelId,
      text,
      status: 'complete',
      chunks,
      sha256: sha256Hex(text),
      storedAt: 1,
      ...extra,
    })
    this.stored.set(streamId, answers)
  }
}

const backend: ChatBackend = { start: async () => {}, stop: async () => {} }

function chatService(options: {
  clock: ManualClock
  conversations: StoredConversations
  recovery?: FakeRecovery
  budgetMs?: number
}) {
  const batches: StreamUpdate[][] = []
  const diagnostics = new DiagnosticsRecorder()
  const chat = new ChatService({
    userId: 'u1',
    topicPrefix: 'sd',
    backend,
    conversations: options.conversations,
    modelLabel: (id) => `Model ${id}`,
    emitUpdates: (updates) => batches.push(updates),
    diagnostics,
    clock: options.clock,
    ...(options.recovery ? { recovery: options.recovery } : {}),
    ...(options.budgetMs !== undefined ? { recoveryBudgetMs: options.budgetMs } : {}),
  })
  const deliver = (message: Omit<ChunkMessage, 'v'>) =>
    chat.receive(streamTopic('sd', 'u1', message.streamId), new TextEncoder().encode(encodeChunk({ v: 1, ...message })))
  const column = (modelId: string) => {
    const result = { text: '', status: 'streaming' as string, stalled: false, error: undefined as unknown }
    for (const update of batches.flat().filter((u) => u.modelId === modelId)) {
      result.text += update.append
      result.status = update.status
      if (update.stalled !== undefined) result.stalled = update.stalled
      if (update.error) result.error = update.error
    }
    return result
  }
  return { chat, deliver, column, diagnostics, batches }
}

async function setup(recovery: FakeRecovery | undefined = new FakeRecovery(), budgetMs?: number) {
  const clock = new ManualClock()
  clock.advance(1_700_000_000_000)
  const history = await memoryHistory(clock)
  const service = chatService({
    clock,
    conversations: history.conversations,
    ...(recovery ? { recovery } : {}),
    ...(budgetMs !== undefined ? { budgetMs } : {}),
  })
  /** Time passes in 1 s steps, letting fetches resolve in between. */
  const pass = async (ms: number) => {
    for (let t = 0; t < ms; t += 1_000) {
      clock.advance(Math.min(1_000, ms - t))
      await settle()
    }
    // And one frame, in which what ended meanwhile goes to the window and then into the history.
    clock.advance(16)
  }
  const stored = (streamId: string, modelId: string) =>
    history.store
      .getConversation(history.store.listConversations()[0]!.id)!
      .turns.find((t) => t.streamId === streamId)!
      .answers.find((a) => a.modelId === modelId)!
  return { clock, history, recovery, pass, stored, ...service }
}

const words = ['One', ' two', ' three', ' four', ' five.']
const full = words.join('')
const chunk = (streamId: string, seq: number, modelId = 'a'): Omit<ChunkMessage, 'v'> => ({
  streamId,
  modelId,
  seq,
  text: words[seq]!,
  ...(seq === words.length - 1
    ? { final: { total: words.length, status: 'complete' as const, sha256: sha256Hex(full) } }
    : {}),
})

describe('recovering answers from the stored copy', () => {
  it('fetches the stored answer when a gap stays open, and appends exactly what is missing', async () => {
    const { chat, deliver, column, pass, stored, recovery } = await setup()
    const { streamId } = await chat.send({ prompt: 'Count', modelIds: ['a'] })
    expect(recovery!.journal.get(streamId)).toEqual(['a'])
    for (const seq of [0, 1, 3, 4]) deliver(chunk(streamId, seq)) // seq 2 never arrives
    recovery!.store(streamId, 'a', full, words.length, { usage: { outputTokens: 5 } })
    await pass(4_000)
    expect(recovery!.fetches).toEqual([]) // a gap is given its time to close first
    await pass(3_000)
    expect(recovery!.fetches).toEqual([streamId])
    await pass(100)
    expect(column('a')).toMatchObject({ text: full, status: 'complete', stalled: false })
    expect(stored(streamId, 'a')).toMatchObject({ text: full, status: 'complete', usage: { outputTokens: 5 } })
    expect(recovery!.journal.has(streamId)).toBe(false)
  })

  it('retries with back-off while nothing is stored yet, and completes once it is', async () => {
    const { chat, deliver, column, pass, recovery } = await setup()
    const { streamId } = await chat.send({ prompt: 'Count', modelIds: ['a'] })
    deliver(chunk(streamId, 0))
    deliver(chunk(streamId, 2))
    recovery!.failures = 1
    await pass(6_000) // gap reported: first fetch fails (offline)
    await pass(1_000) // second: nothing stored yet
    await pass(2_000) // third: nothing stored yet
    expect(recovery!.fetches.length).toBe(3)
    recovery!.store(streamId, 'a', full, words.length)
    await pass(4_000)
    expect(recovery!.fetches.length).toBe(4)
    expect(column('a')).toMatchObject({ text: full, status: 'complete' })
  })

  it('gives up after its budget and leaves the answer incomplete, with what arrived and a clear message', async () => {
    const { chat, deliver, column, pass, stored, recovery } = await setup(undefined, 20_000)
    const { streamId } = await chat.send({ prompt: 'Count', modelIds: ['a'] })
    deliver(chunk(streamId, 0))
    deliver(chunk(streamId, 2))
    await pass(60_000)
    expect(column('a')).toMatchObject({ text: 'One', status: 'error', error: { code: 'incomplete' } })
    expect(stored(streamId, 'a')).toMatchObject({
      text: 'One',
      status: 'error',
      error: { code: 'incomplete', message: expect.stringContaining('no copy of it was kept in the cloud') },
      end: { stopReason: 'error' }, // the app ended it: the history says why
    })
    const attempts = recovery!.fetches.length
    expect(attempts).toBeGreaterThanOrEqual(4)
    await pass(60_000)
    expect(recovery!.fetches.length).toBe(attempts) // nothing more once given up
  })

  it('refuses a stored copy that fails its own digest, or that does not continue the text shown', async () => {
    const { chat, deliver, column, pass, recovery } = await setup(undefined, 5_000)
    const { streamId } = await chat.send({ prompt: 'Count', modelIds: ['a', 'b'] })
    deliver(chunk(streamId, 0, 'a'))
    deliver(chunk(streamId, 2, 'a'))
    deliver(chunk(streamId, 0, 'b'))
    deliver(chunk(streamId, 2, 'b'))
    recovery!.store(streamId, 'a', full, words.length, { sha256: sha256Hex('something else') })
    recovery!.store(streamId, 'b', `Two${full.slice(3)}`, words.length)
    await pass(8_000)
    for (const modelId of ['a', 'b']) {
      expect(column(modelId)).toMatchObject({
        text: 'One',
        status: 'error',
        error: { code: 'incomplete', message: expect.stringContaining('does not match') },
      })
    }
  })

  it('completes a final whose digest does not match from the stored copy when the text shown is its prefix', async () => {
    const { chat, deliver, column, pass, recovery } = await setup()
    const { streamId } = await chat.send({ prompt: 'Count', modelIds: ['a'] })
    recovery!.store(streamId, 'a', full, 5)
    for (const seq of [0, 1, 2, 3]) deliver(chunk(streamId, seq))
    // A final that does not vouch for the text (an older sender without a digest): fetched at once.
    deliver({ streamId, modelId: 'a', seq: 4, text: words[4]!, final: { total: 5, status: 'complete' } })
    await pass(100)
    expect(recovery!.fetches).toEqual([streamId])
    await pass(100) // the column's update goes out with the next frame
    expect(column('a')).toMatchObject({ text: full, status: 'complete' })
  })

  it('without a recovery (local mode) behaves as before: a bad digest ends the answer incomplete at once', async () => {
    const { chat, deliver, column, pass } = await setup(null as unknown as undefined)
    const { streamId } = await chat.send({ prompt: 'Count', modelIds: ['a'] })
    for (const seq of [0, 1, 2, 3]) deliver(chunk(streamId, seq))
    deliver({
      streamId,
      modelId: 'a',
      seq: 4,
      text: words[4]!,
      final: { total: 5, status: 'complete', sha256: sha256Hex('x') },
    })
    await pass(1_000)
    expect(column('a')).toMatchObject({ text: full, status: 'error', error: { code: 'incomplete' } })
  })
})

describe('resuming after a restart mid-answer', () => {
  /** A first run that received `received` chunks and quit; then a new run on the same history. */
  async function restart(received: number[]) {
    const first = await setup()
    const { streamId } = await first.chat.send({ prompt: 'Count', modelIds: ['a'] })
    for (const seq of received) first.deliver(chunk(streamId, seq))
    first.chat.dispose()
    first.history.writer.flush()
    expect(first.history.store.markInterruptedOnStartup()).toBe(1) // the next start
    const writer = new AnswerWriter({ sink: first.history.store, clock: first.clock })
    const conversations = new StoredConversations(first.history.store, writer, () => {})
    const second = chatService({ clock: first.clock, conversations, recovery: first.recovery! })
    expect(await second.chat.resumeOpenStreams()).toBe(1)
    expect(first.stored(streamId, 'a').status).toBe('streaming')
    return { ...first, ...second, streamId }
  }

  it('completes from the chunks the persistent session queued meanwhile, byte-identical', async () => {
    const { deliver, column, pass, stored, streamId, recovery } = await restart([0, 1])
    for (const seq of [2, 3, 4]) deliver(chunk(streamId, seq))
    await pass(100)
    expect(column('a')).toMatchObject({ text: words.slice(2).join(''), status: 'complete' })
    expect(stored(streamId, 'a')).toMatchObject({ text: full, status: 'complete' })
    expect(recovery!.fetches).toEqual([])
    expect(recovery!.journal.size).toBe(0)
  })

  it('finds where the queued chunks continue when the broker redelivers some the last run had already', async () => {
    const { deliver, pass, stored, streamId } = await restart([0, 1, 2])
    for (const seq of [1, 2, 3, 4]) deliver(chunk(streamId, seq))
    await pass(100)
    expect(stored(streamId, 'a')).toMatchObject({ text: full, status: 'complete' })
  })

  it('fetches the rest when nothing was queued', async () => {
    const { column, pass, stored, streamId, recovery } = await restart([0, 1])
    recovery!.store(streamId, 'a', full, words.length)
    await pass(6_000)
    expect(recovery!.fetches).toEqual([streamId])
    expect(column('a').status).toBe('complete')
    expect(stored(streamId, 'a')).toMatchObject({ text: full, status: 'complete' })
  })

  it('fetches when the queued chunks do not complete the text (some were lost with the last run)', async () => {
    const { deliver, pass, stored, streamId, recovery } = await restart([0])
    recovery!.store(streamId, 'a', full, words.length)
    for (const seq of [3, 4]) deliver(chunk(streamId, seq)) // 1 and 2 were acknowledged but never saved
    await pass(100)
    expect(recovery!.fetches).toEqual([streamId])
    expect(stored(streamId, 'a')).toMatchObject({ text: full, status: 'complete' })
  })

  it('completes a continued answer from its own chunks: the cut part it started with is not in their digest', async () => {
    const first = await setup()
    const v2 = (message: Omit<ChunkMessage, 'v'>) =>
      first.chat.receive(
        streamTopic('sd', 'u1', message.streamId),
        new TextEncoder().encode(encodeChunk({ v: 2, ...message })),
      )
    const { streamId, conversationId } = await first.chat.send({ prompt: 'Count', modelIds: ['a'] })
    const cut = 'Zero,'
    const final = { total: 1, status: 'complete' as const, sha256: sha256Hex(cut), stopReason: 'max-tokens' as const }
    v2({
      streamId,
      modelId: 'a',
      seq: 0,
      text: cut,
      reasoning: 'Think.',
      final: { ...final, reasoningSha256: sha256Hex('Think.') },
    })
    first.clock.advance(16) // the frame in which its end is shown and written
    const next = await first.chat.continueAnswer({ conversationId, streamId, modelId: 'a' })
    first.deliver(chunk(next.streamId, 0))
    first.deliver(chunk(next.streamId, 1))
    first.chat.dispose()
    first.history.writer.flush()
    expect(first.history.store.markInterruptedOnStartup()).toBe(1)
    const writer = new AnswerWriter({ sink: first.history.store, clock: first.clock })
    const conversations = new StoredConversations(first.history.store, writer, () => {})
    const second = chatService({ clock: first.clock, conversations, recovery: first.recovery! })
    expect(await second.chat.resumeOpenStreams()).toBe(1)
    for (const seq of [2, 3, 4]) second.deliver(chunk(next.streamId, seq))
    await first.pass(100)
    expect(second.column('a')).toMatchObject({ text: words.slice(2).join(''), status: 'complete' })
    const attempts = first.history.store.getConversation(conversationId)!.turns[0]!.answers
    expect(attempts.map((a) => [a.text, a.reasoning, a.status])).toEqual([
      [cut, 'Think.', 'complete'],
      [cut + full, 'Think.', 'complete'],
    ])
    expect(first.recovery!.fetches).toEqual([])
  })

  it('does not resume answers that ended, or streams of which nothing is in history', async () => {
    const first = await setup()
    const { streamId } = await first.chat.send({ prompt: 'Count', modelIds: ['a'] })
    for (const seq of [0, 1, 2, 3, 4]) first.deliver(chunk(streamId, seq))
    first.recovery!.journal.set(streamId, ['a']) // as if the end had not been saved in the journal
    first.recovery!.journal.set('gone', ['a'])
    const second = chatService({
      clock: first.clock,
      conversations: first.history.conversations,
      recovery: first.recovery!,
    })
    expect(await second.chat.resumeOpenStreams()).toBe(0)
    expect(first.recovery!.journal.size).toBe(0)
  })
})

describe('answers with reasoning (protocol v2), recovered and resumed', () => {
  const thoughts = ['Think ', 'about ', 'counting.', '', '']
  const reasoning = thoughts.join('')
  const v2 = (streamId: string, seq: number, finalExtra: Record<string, unknown> = {}): ChunkMessage => ({
    v: 2,
    streamId,
    modelId: 'a',
    seq,
    text: words[seq]!,
    ...(thoughts[seq] ? { reasoning: thoughts[seq] } : {}),
    ...(seq === words.length - 1
      ? {
          final: {
            total: words.length,
            status: 'complete' as const,
            sha256: sha256Hex(full),
            reasoningSha256: sha256Hex(reasoning),
            stopReason: 'end' as const,
            ...finalExtra,
          },
        }
      : {}),
  })
  const receive = (chat: ChatService, message: ChunkMessage) =>
    chat.receive(streamTopic('sd', 'u1', message.streamId), new TextEncoder().encode(encodeChunk(message)))

  it('a reasoning digest mismatch asks for the copy; the copy restores no reasoning, so it ends incomplete', async () => {
    const { chat, column, pass, stored, recovery } = await setup()
    const { streamId } = await chat.send({ prompt: 'Count', modelIds: ['a'] })
    for (const seq of [0, 1, 2, 3])
      receive(chat, seq === 1 ? { ...v2(streamId, 1), reasoning: 'ABOUT ' } : v2(streamId, seq))
    recovery!.store(streamId, 'a', full, words.length)
    receive(chat, v2(streamId, 4, { metrics: { durationMs: 1_234 } }))
    await pass(100)
    expect(recovery!.fetches).toEqual([streamId])
    await pass(100)
    expect(column('a')).toMatchObject({
      text: full,
      status: 'error',
      error: { code: 'incomplete', message: expect.stringMatching(/reasoning/) },
    })
    // The text is whole; the reasoning is what arrived; the stream's own marker still says why it stopped.
    expect(stored(streamId, 'a')).toMatchObject({
      text: full,
      reasoning: 'Think ABOUT counting.',
      status: 'error',
      end: { stopReason: 'end', metrics: { durationMs: 1_234 } },
    })
  })

  it("a copy that keeps the reasoning restores what was lost of it: whole, complete, with the copy's end details", async () => {
    const { chat, batches, pass, stored, recovery } = await setup()
    const { streamId } = await chat.send({ prompt: 'Count', modelIds: ['a'] })
    for (const seq of [0, 2, 3]) receive(chat, v2(streamId, seq)) // seq 1 (text and reasoning) never arrives
    const metrics = { durationMs: 2_000, reasoningTokens: 4 }
    recovery!.store(streamId, 'a', full, words.length, {
      reasoning,
      reasoningSha256: sha256Hex(reasoning),
      stopReason: 'max-tokens',
      metrics,
    })
    await pass(8_000) // the gap is given its time, then the copy is fetched
    expect(recovery!.fetches).toEqual([streamId])
    const updates = batches.flat().filter((u) => u.modelId === 'a')
    expect(updates.map((u) => u.append).join('')).toBe(full)
    expect(updates.map((u) => u.appendReasoning ?? '').join('')).toBe(reasoning)
    expect(updates.at(-1)).toMatchObject({ status: 'complete', end: { stopReason: 'max-tokens', metrics } })
    expect(stored(streamId, 'a')).toMatchObject({
      text: full,
      reasoning,
      status: 'complete',
      end: { stopReason: 'max-tokens', metrics },
    })
  })

  it("without the stream's final marker, the copy's reasoning digest vouches: reasoning it left out ends incomplete", async () => {
    const { chat, column, pass, stored, recovery } = await setup()
    const { streamId } = await chat.send({ prompt: 'Count', modelIds: ['a'] })
    for (const seq of [0, 2, 3]) receive(chat, v2(streamId, seq))
    // Too large to keep beside the answer: the store kept its digest only.
    recovery!.store(streamId, 'a', full, words.length, {
      reasoningSha256: sha256Hex(reasoning),
      reasoningOmitted: true,
    })
    await pass(8_000)
    expect(column('a')).toMatchObject({ text: full, status: 'error', error: { code: 'incomplete' } })
    expect(stored(streamId, 'a')).toMatchObject({ text: full, reasoning: 'Think ', status: 'error' }) // what was released before the gap
  })

  it('after a restart, continues text and reasoning from history with the queued chunks, byte-identical', async () => {
    const first = await setup()
    const { streamId } = await first.chat.send({ prompt: 'Count', modelIds: ['a'] })
    for (const seq of [0, 1]) receive(first.chat, v2(streamId, seq))
    first.chat.dispose()
    first.history.writer.flush()
    expect(first.history.store.markInterruptedOnStartup()).toBe(1)
    expect(first.stored(streamId, 'a')).toMatchObject({ text: 'One two', reasoning: 'Think about ' })
    const writer = new AnswerWriter({ sink: first.history.store, clock: first.clock })
    const conversations = new StoredConversations(first.history.store, writer, () => {})
    const second = chatService({ clock: first.clock, conversations, recovery: first.recovery! })
    expect(await second.chat.resumeOpenStreams()).toBe(1)
    for (const seq of [2, 3, 4]) receive(second.chat, v2(streamId, seq))
    await first.pass(100)
    expect(second.column('a')).toMatchObject({ text: words.slice(2).join(''), status: 'complete' })
    expect(first.stored(streamId, 'a')).toMatchObject({ text: full, reasoning, status: 'complete' })
    expect(first.recovery!.fetches).toEqual([])
  })
})
