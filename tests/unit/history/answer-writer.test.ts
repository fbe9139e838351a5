import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import {
  AnswerWriter,
  type AnswerProgress,
  type AnswerSink,
  type GoneAnswer,
  type HistoryWriteProblem,
  unsavedAtQuit,
} from '../../../src-main/core/history/answer-writer'
import type { HistoryStore } from '../../../src-main/core/history/history-store'
import type { AnswerOutcome } from '../../../src-main/core/history/history-types'
import { MODELS, openTempStore } from './temp-history'

/**
 * Passes writes to the store, counting them (`progressWrites`: answers' pieces; `transactions`: durable writes, a
 * transaction or one append of pieces); `failWith` makes them throw, as a full disk would.
 */
class CountingSink implements AnswerSink {
  progressWrites = 0
  finishWrites = 0
  transactions = 0
  failWith: Error | undefined
  constructor(private readonly store: HistoryStore) {}

  inTransaction(write: () => void): void {
    this.transactions += 1
    this.store.inTransaction(write)
  }

  appendProgress(pieces: readonly AnswerProgress[]): boolean[] {
    if (this.failWith) throw this.failWith
    this.transactions += 1
    this.progressWrites += pieces.length
    return this.store.appendProgress(pieces)
  }

  finishAnswer(streamId: string, modelId: string, outcome: AnswerOutcome): boolean {
    if (this.failWith) throw this.failWith
    this.finishWrites += 1
    return this.store.finishAnswer(streamId, modelId, outcome)
  }
}

async function setUp(options: { busyTimeoutMs?: number } = {}) {
  const { store, clock, path } = await openTempStore(options)
  const { id } = store.createConversation('q')
  store.addTurn(id, 'q', 's1', MODELS)
  const sink = new CountingSink(store)
  const problems: HistoryWriteProblem[] = []
  let recoveries = 0
  const writer = new AnswerWriter({
    sink,
    clock,
    onError: (problem) => problems.push(problem),
    onRecovered: () => (recoveries += 1),
  })
  const stored = (modelId = 'llama3-2') =>
    store.getConversation(id)!.turns[0]!.answers.find((a) => a.modelId === modelId)!
  return { store, clock, path, sink, writer, problems, stored, recoveries: () => recoveries, conversationId: id }
}

describe('AnswerWriter', () => {
  it('writes the first delta at once, then at most once per 300 ms, then the end at once', async () => {
    const { writer, clock, sink, stored, store } = await setUp()
    writer.append('s1', 'llama3-2', 'a')
    expect(sink.progressWrites).toBe(1)
    expect(stored().text).toBe('a')

    // 999 more deltas, one per millisecond: writes at 300, 600 and 900 ms only (each timer fires before that
    // millisecond's delta arrives, so the 900 ms write holds 900 characters).
    for (let i = 1; i < 1000; i++) {
      clock.advance(1)
      writer.append('s1', 'llama3-2', 'a')
    }
    expect(sink.progressWrites).toBe(4)
    expect(stored().text.length).toBe(900)
    expect(stored().status).toBe('streaming')

    writer.finish('s1', 'llama3-2', { status: 'complete', usage: { outputTokens: 1000 } })
    expect(sink.finishWrites).toBe(1)
    expect(stored()).toMatchObject({ text: 'a'.repeat(1000), status: 'complete', usage: { outputTokens: 1000 } })
    // Nothing left pending: no timer writes again, and late deltas are ignored.
    clock.advance(1000)
    writer.append('s1', 'llama3-2', 'late')
    expect(sink.progressWrites).toBe(4)
    expect(stored().text).toBe('a'.repeat(1000))
    expect(writer.unsavedCount).toBe(0)
    store.close()
  })

  it("writes every answer with new text in one transaction per interval, including a quiet stream's tail", async () => {
    const { writer, clock, sink, stored, store } = await setUp()
    writer.append('s1', 'llama3-2', 'Hel')
    writer.append('s1', 'qwen2-5', 'Bon')
    clock.advance(10)
    writer.append('s1', 'llama3-2', 'lo')
    writer.append('s1', 'qwen2-5', 'jour')
    expect(sink.progressWrites).toBe(1)
    expect([stored('llama3-2').text, stored('qwen2-5').text]).toEqual(['Hel', ''])
    clock.advance(290)
    expect(sink.progressWrites).toBe(3)
    expect(sink.transactions).toBe(2)
    expect([stored('llama3-2').text, stored('qwen2-5').text]).toEqual(['Hello', 'Bonjour'])
    store.close()
  })

  it('keeps the number of commits flat however many answers stream at once', async () => {
    const { store, clock } = await openTempStore()
    const { id } = store.createConversation('many')
    const models = Array.from({ length: 8 }, (_, i) => ({ id: `m${i}`, label: `M${i}` }))
    store.addTurn(id, 'many', 's1', models)
    const sink = new CountingSink(store)
    const writer = new AnswerWriter({ sink, clock })
    for (let ms = 0; ms < 3000; ms += 5) {
      for (const model of models) writer.append('s1', model.id, 'tok ')
      clock.advance(5)
    }
    // 3 s of 8 answers: about 10 batches, not 8 × 10 separate commits.
    expect(sink.transactions).toBeLessThanOrEqual(11)
    expect(sink.progressWrites).toBeGreaterThanOrEqual(8 * 9)
    store.close()
  })

  it('flushes everything pending at once, e.g. before quitting', async () => {
    const { writer, clock, stored, store } = await setUp()
    writer.append('s1', 'llama3-2', 'one ')
    clock.advance(5)
    writer.append('s1', 'llama3-2', 'two')
    expect(writer.unsavedCount).toBe(1)
    expect(writer.flush()).toBe(0)
    expect(stored().text).toBe('one two')
    store.close()
  })

  it('keeps the text through a failing disk, reports it once, and writes everything when writing works again', async () => {
    const { writer, clock, sink, stored, problems, recoveries, store } = await setUp()
    writer.append('s1', 'llama3-2', 'saved ')
    sink.failWith = new Sqlite.SqliteError('database or disk is full', 'SQLITE_FULL')

    clock.advance(300)
    expect(() => writer.append('s1', 'llama3-2', 'while ')).not.toThrow()
    expect(() => writer.append('s1', 'qwen2-5', 'other')).not.toThrow()
    clock.advance(300)
    expect(() => writer.append('s1', 'llama3-2', 'full')).not.toThrow()
    expect(() => writer.finish('s1', 'llama3-2', { status: 'complete' })).not.toThrow()
    clock.advance(5_000)
    // One report for the whole episode, in words the user can act on.
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ streamId: 's1', modelId: 'llama3-2' })
    expect(problems[0]!.message).toMatch(/^History could not be saved: the disk is full\./)
    expect(writer.unsavedCount).toBe(2)
    expect(stored().text).toBe('saved ')
    // What quitting now would lose, answer by answer (counts, never the text).
    expect(writer.unsaved()).toEqual([
      { streamId: 's1', modelId: 'llama3-2', unsavedChars: 'while full'.length },
      { streamId: 's1', modelId: 'qwen2-5', unsavedChars: 'other'.length },
    ])
    expect(unsavedAtQuit(writer.unsaved())).toBe(
      'history: 2 answer(s) could not be saved before quitting ' +
        '(llama3-2 on stream s1: the last 10 character(s); qwen2-5 on stream s1: the last 5 character(s))',
    )

    sink.failWith = undefined
    clock.advance(1_000)
    expect(stored()).toMatchObject({ text: 'saved while full', status: 'complete' })
    expect(stored('qwen2-5')).toMatchObject({ text: 'other', status: 'streaming' })
    expect(recoveries()).toBe(1)
    expect(writer.unsavedCount).toBe(0)
    store.close()
  })

  it('survives a real SQLite write error (the file locked by another program) and recovers', async () => {
    const { writer, clock, path, stored, problems, recoveries, store } = await setUp({ busyTimeoutMs: 10 })
    writer.append('s1', 'llama3-2', 'before ')
    const other = new Sqlite(path)
    other.exec('BEGIN IMMEDIATE')
    try {
      // Within the interval: 'during' is written with the end, in the transaction the lock refuses.
      writer.append('s1', 'llama3-2', 'during')
      writer.finish('s1', 'llama3-2', { status: 'stopped' })
      expect(problems).toHaveLength(1)
      expect((problems[0]!.error as { code: string }).code).toBe('SQLITE_BUSY')
      expect(problems[0]!.message).toMatch(/in use by another program/)
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    expect(stored()).toMatchObject({ text: 'before ', status: 'streaming' })
    clock.advance(1_000)
    expect(stored()).toMatchObject({ text: 'before during', status: 'stopped' })
    expect(recoveries()).toBe(1)
    store.close()
  })

  it('stops writing an answer whose conversation was deleted, without reporting an error', async () => {
    const { writer, clock, sink, problems, store, conversationId } = await setUp()
    writer.append('s1', 'llama3-2', 'x')
    store.deleteConversation(conversationId)
    clock.advance(300)
    writer.append('s1', 'llama3-2', 'y')
    clock.advance(300)
    writer.append('s1', 'llama3-2', 'z')
    clock.advance(1_000)
    expect(sink.progressWrites).toBe(2)
    expect(writer.unsavedCount).toBe(0)
    expect(clock.pendingTimers).toBe(0)
    writer.finish('s1', 'llama3-2', { status: 'complete' })
    expect(problems).toEqual([])
    store.close()
  })

  it('keeps the reasoning so far through a crash: written with the text, one transaction per interval', async () => {
    const { writer, clock, sink, path, store } = await setUp()
    writer.append('s1', 'llama3-2', '', 'Let me think')
    expect(sink.progressWrites).toBe(1)
    clock.advance(100)
    writer.append('s1', 'llama3-2', '', ' about 東京 🌞.')
    writer.append('s1', 'qwen2-5', 'Sunny', '')
    clock.advance(100)
    writer.append('s1', 'llama3-2', 'It is sunny', '')
    clock.advance(100)
    // One batch for both answers at 300 ms; what arrived after it (none here) is all a crash could lose.
    expect(sink.progressWrites).toBe(3)
    // The app is killed here: no finish, no flush (closing the store writes nothing the writer holds, and lets the
    // next store take the file's lock, as the end of a killed process does). The next start opens the same file.
    store.close()
    const { store: next } = await openTempStore({ path })
    expect(next.markInterruptedOnStartup()).toBe(2)
    const answers = next.getConversation(next.listConversations()[0]!.id)!.turns[0]!.answers
    expect(answers.map((a) => [a.modelId, a.text, a.reasoning, a.status])).toEqual([
      ['llama3-2', 'It is sunny', 'Let me think about 東京 🌞.', 'interrupted'],
      ['qwen2-5', 'Sunny', '', 'interrupted'],
    ])
    next.close()
  })

  it('writes the full reasoning with the end, and no reasoning-only delta is ever dropped', async () => {
    const { writer, stored, store } = await setUp()
    writer.append('s1', 'llama3-2', '', 'a')
    writer.append('s1', 'llama3-2', '', 'b')
    writer.append('s1', 'llama3-2', 'x', 'c')
    writer.finish('s1', 'llama3-2', { status: 'complete', stopReason: 'max-tokens', metrics: { durationMs: 5 } })
    expect(stored()).toMatchObject({
      text: 'x',
      reasoning: 'abc',
      status: 'complete',
      end: { stopReason: 'max-tokens', metrics: { durationMs: 5 } },
    })
    store.close()
  })
})

/** Each test here fails when one guard or boundary of the writer is removed (issue 20; see `npm run test:mutation`). */
describe('AnswerWriter guards', () => {
  const FULL = () => new Sqlite.SqliteError('database or disk is full', 'SQLITE_FULL')

  it('writes at exactly one interval after the last batch, without waiting for a timer', async () => {
    const { writer, clock, sink, store } = await setUp()
    writer.append('s1', 'llama3-2', 'a')
    clock.advance(300)
    writer.append('s1', 'llama3-2', 'b')
    expect(sink.progressWrites).toBe(2)
    expect(clock.pendingTimers).toBe(0)
    store.close()
  })

  it('keeps one timer however many deltas arrive within an interval, and ignores empty deltas', async () => {
    const { writer, clock, sink, store, stored } = await setUp()
    writer.append('s1', 'llama3-2', 'a')
    for (let i = 0; i < 5; i++) {
      clock.advance(10)
      writer.append('s1', 'llama3-2', 'b')
    }
    expect(clock.pendingTimers).toBe(1)
    clock.advance(300)
    expect(sink.progressWrites).toBe(2)
    // An empty delta (no text, no reasoning) is no reason to write, even once the interval has passed.
    writer.append('s1', 'llama3-2', '')
    writer.append('s1', 'llama3-2', '', '')
    expect(sink.progressWrites).toBe(2)
    expect(writer.unsavedCount).toBe(0)
    expect(clock.pendingTimers).toBe(0)
    expect(stored()).toMatchObject({ text: 'abbbbb', reasoning: '' })
    store.close()
  })

  it('writes only the answers with something new, and no append for a batch of ends only', async () => {
    const { writer, clock, sink, store } = await setUp()
    writer.append('s1', 'llama3-2', 'a')
    writer.append('s1', 'qwen2-5', 'b')
    clock.advance(300)
    // The second batch holds qwen2-5 only: llama3-2 had nothing new.
    expect(sink.progressWrites).toBe(2)
    expect(sink.transactions).toBe(2)
    writer.finish('s1', 'llama3-2', { status: 'complete' })
    expect(sink.transactions).toBe(3)
    expect(sink.progressWrites).toBe(2)
    store.close()
  })

  it('ignores resume once text or reasoning has arrived, or while an unwritten end is pending', async () => {
    const { writer, clock, sink, store, stored } = await setUp()
    writer.append('s1', 'llama3-2', 'live')
    writer.resume('s1', 'llama3-2', { text: 'stored', reasoning: '' })
    writer.append('s1', 'qwen2-5', '', 'thinking')
    writer.resume('s1', 'qwen2-5', { text: 'stored', reasoning: 'old' })
    clock.advance(300)
    writer.append('s1', 'llama3-2', ' more')
    writer.finish('s1', 'llama3-2', { status: 'complete' })
    expect(stored()).toMatchObject({ text: 'live more', status: 'complete' })

    sink.failWith = FULL()
    writer.finish('s1', 'qwen2-5', { status: 'complete' })
    writer.resume('s1', 'qwen2-5', { text: 'late', reasoning: 'late' })
    // An ended, written answer is forgotten: resume and append do nothing.
    expect(() => writer.resume('s1', 'llama3-2', { text: 'x', reasoning: '' })).not.toThrow()
    sink.failWith = undefined
    clock.advance(1_000)
    expect(stored('qwen2-5')).toMatchObject({ text: '', reasoning: 'thinking', status: 'complete' })
    expect(stored()).toMatchObject({ text: 'live more' })
    store.close()
  })

  it('a resumed answer with nothing new is not pending', async () => {
    const { writer, store } = await setUp()
    writer.resume('s1', 'llama3-2', { text: 'stored', reasoning: '' })
    expect(writer.unsavedCount).toBe(0)
    expect(writer.unsaved()).toEqual([])
    store.close()
  })

  it('dispose stops the timer: nothing is written after it', async () => {
    const { writer, clock, sink, store } = await setUp()
    writer.append('s1', 'llama3-2', 'a')
    clock.advance(10)
    writer.append('s1', 'llama3-2', 'b')
    writer.dispose()
    expect(clock.pendingTimers).toBe(0)
    clock.advance(1_000)
    expect(sink.progressWrites).toBe(1)
    store.close()
  })

  it('reports a second failing episode again, after recovering from the first', async () => {
    const { writer, clock, sink, problems, recoveries, store } = await setUp()
    for (let episode = 1; episode <= 2; episode++) {
      sink.failWith = FULL()
      clock.advance(300)
      writer.append('s1', 'llama3-2', `episode ${episode} `)
      expect(problems).toHaveLength(episode)
      sink.failWith = undefined
      clock.advance(1_000)
      expect(recoveries()).toBe(episode)
    }
    store.close()
  })

  it('fails and recovers without onError, onRecovered or onAnswerGone given', async () => {
    const { store, clock } = await openTempStore()
    const { id } = store.createConversation('q')
    store.addTurn(id, 'q', 's1', MODELS)
    const sink = new CountingSink(store)
    const writer = new AnswerWriter({ sink, clock })
    sink.failWith = FULL()
    expect(() => writer.append('s1', 'llama3-2', 'a')).not.toThrow()
    sink.failWith = undefined
    expect(() => clock.advance(1_000)).not.toThrow()
    store.deleteConversation(id)
    expect(() => writer.finish('s1', 'llama3-2', { status: 'complete' })).not.toThrow()
    expect(writer.unsavedCount).toBe(0)
    store.close()
  })

  it('says how much of an answer was never saved when its row is gone, at a progress write or at its end', async () => {
    const { store, clock } = await openTempStore()
    const { id } = store.createConversation('q')
    store.addTurn(id, 'q', 's1', MODELS)
    const gone: GoneAnswer[] = []
    const writer = new AnswerWriter({ sink: store, clock, onAnswerGone: (answer) => gone.push(answer) })
    writer.append('s1', 'llama3-2', 'saved')
    writer.append('s1', 'qwen2-5', 'kept')
    store.deleteConversation(id)
    writer.append('s1', 'llama3-2', ' lost')
    writer.append('s1', 'qwen2-5', ' also lost')
    writer.finish('s1', 'qwen2-5', { status: 'complete' })
    // The end's batch writes every pending answer: the ended one (never written: 'kept' waited for the interval)
    // and the other one's progress.
    expect(gone).toEqual([
      { streamId: 's1', modelId: 'qwen2-5', unsavedChars: 'kept also lost'.length },
      { streamId: 's1', modelId: 'llama3-2', unsavedChars: ' lost'.length },
    ])
    clock.advance(300)
    writer.append('s1', 'llama3-2', ' ignored')
    expect(gone).toHaveLength(2)
    store.close()
  })

  it("says at quit when only an answer's end is unsaved", () => {
    expect(unsavedAtQuit([{ streamId: 's9', modelId: 'm', unsavedChars: 0 }])).toBe(
      'history: 1 answer(s) could not be saved before quitting (m on stream s9: the last 0 character(s) (only its end))',
    )
  })
})
