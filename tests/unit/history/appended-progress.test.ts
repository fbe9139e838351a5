/**
 * Streaming answers are written as appended pieces (issue 19, item 4): a long answer reads back exactly while it
 * streams, after the store is reopened mid-stream, after it is resumed and after it ends, and the pieces on disk
 * add up to the text (nothing is written twice).
 */
import { describe, expect, it } from 'vitest'
import { AnswerWriter } from '../../../src-main/core/history/answer-writer'
import { readProgressLog } from '../../../src-main/core/history/progress-log'
import { StoredConversations } from '../../../src-main/core/history/stored-conversations'
import { MODELS, openTempStore } from './temp-history'

/** Deltas of varied sizes with multi-byte characters and an emoji (a surrogate pair) in them. */
function delta(i: number): string {
  return `${i % 7 === 0 ? '東京の天気 ' : ''}part ${i}${i % 11 === 0 ? ' 🌧️\n' : ' '}`
}

/** What the progress log beside the file holds: UTF-8 bytes of text in pieces, and how many pieces. */
function piecesOnDisk(path: string): { bytes: number; pieces: number } {
  const pieces = readProgressLog(path)
  return { bytes: pieces.reduce((sum, piece) => sum + Buffer.byteLength(piece.text), 0), pieces: pieces.length }
}

describe('appended progress', () => {
  it('reads back exactly at every stage: streaming, reopened mid-stream, resumed, ended', async () => {
    const { store, clock, path } = await openTempStore()
    const { id } = store.createConversation('long answer')
    store.addTurn(id, 'long answer', 's1', MODELS.slice(0, 1))
    const model = MODELS[0]!.id
    let writer = new AnswerWriter({ sink: store, clock })
    const stored = (s = store) => s.getConversation(id)!.turns[0]!.answers[0]!

    let streamed = ''
    let reasoning = ''
    for (let i = 0; i < 3_000; i++) {
      clock.advance(7)
      const text = delta(i)
      const thought = i % 5 === 0 ? `step ${i}; ` : ''
      writer.append('s1', model, text, thought)
      streamed += text
      reasoning += thought
      if (i % 250 === 0) {
        // Read while streaming: an exact prefix, at most one write interval (300 ms, ~43 deltas) behind.
        const answer = stored()
        expect(answer.status).toBe('streaming')
        expect(streamed.startsWith(answer.text)).toBe(true)
        expect(reasoning.startsWith(answer.reasoning)).toBe(true)
        expect(streamed.length - answer.text.length).toBeLessThan(43 * 30)
        // The export and the continue context read the same text.
        const exported = JSON.parse(store.exportConversation(id, 'json')!)
        expect(exported.conversations[0].turns[0].answers[0].text).toBe(answer.text)
      }
    }
    expect(writer.flush()).toBe(0)
    expect(stored()).toMatchObject({ text: streamed, reasoning })
    // Each piece holds only what arrived since the previous write: the pieces add up to the text.
    expect(piecesOnDisk(path)).toEqual({ bytes: Buffer.byteLength(streamed), pieces: expect.any(Number) })
    expect(piecesOnDisk(path).pieces).toBeGreaterThan(50)

    // Reopened mid-stream (as after a crash): the text so far is kept whole and marked interrupted, in the row.
    writer.dispose()
    store.close()
    const reopened = await openTempStore({ path, clock })
    expect(reopened.store.markInterruptedOnStartup()).toBe(1)
    expect(stored(reopened.store)).toMatchObject({ text: streamed, reasoning, status: 'interrupted' })
    expect(piecesOnDisk(path)).toEqual({ bytes: 0, pieces: 0 })
    expect(reopened.store.search('part 2999').hits).toHaveLength(1)

    // Resumed (cloud mode): what follows is appended to the stored text, not written over it or twice.
    writer = new AnswerWriter({ sink: reopened.store, clock })
    const conversations = new StoredConversations(reopened.store, writer, () => {})
    expect(conversations.reopen('s1', model)).toEqual({ text: streamed, reasoning })
    for (let i = 3_000; i < 3_400; i++) {
      clock.advance(7)
      conversations.progress('s1', model, { text: delta(i), reasoning: '' })
      streamed += delta(i)
    }
    expect(writer.flush()).toBe(0)
    expect(stored(reopened.store)).toMatchObject({ text: streamed, status: 'streaming' })
    conversations.finish('s1', model, { status: 'complete' })
    expect(stored(reopened.store)).toMatchObject({ text: streamed, reasoning, status: 'complete' })
    expect(piecesOnDisk(path)).toEqual({ bytes: 0, pieces: 0 })
    expect(reopened.store.search('part 3399').hits).toHaveLength(1)
    reopened.store.close()
  })

  it('joins the pieces when an answer ends without its full text, and drops them with a deleted conversation', async () => {
    const { store, path } = await openTempStore()
    const { id } = store.createConversation('q')
    store.addTurn(id, 'q', 's1', MODELS)
    expect(store.appendAnswerProgress('s1', 'llama3-2', 'Hello, ', 'think ')).toBe(true)
    expect(store.appendAnswerProgress('s1', 'llama3-2', 'world', 'more')).toBe(true)
    expect(store.finishAnswer('s1', 'llama3-2', { status: 'stopped' })).toBe(true)
    expect(store.getConversation(id)!.turns[0]!.answers[0]).toMatchObject({
      text: 'Hello, world',
      reasoning: 'think more',
      status: 'stopped',
    })
    expect(store.appendAnswerProgress('s1', 'qwen2-5', 'half')).toBe(true)
    expect(piecesOnDisk(path).pieces).toBe(1)
    expect(store.deleteConversation(id)).toBe(true)
    expect(piecesOnDisk(path).pieces).toBe(0)
    expect(store.appendAnswerProgress('s1', 'qwen2-5', 'late')).toBe(false)
    store.close()
  })
})
