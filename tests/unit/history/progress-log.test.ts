/**
 * The progress log (streaming answers' text beside the history file): what a crash leaves is read back as an exact
 * prefix of what was appended, a torn record is cut off so later appends read back, pieces an earlier version kept
 * in the database are still joined, and the file goes away once nothing is streaming.
 */
import { appendFileSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { ProgressLog, progressLogPath, readProgressLog } from '../../../src-main/core/history/progress-log'
import { MODELS, openTempStore, tempHistoryPath } from './temp-history'

const piece = (text: string, writtenAt = 1) => ({ streamId: 's1', modelId: 'm', text, reasoning: '', writtenAt })

describe('progress log', () => {
  it('reads back every whole record, with astral characters, lone surrogates and newlines exact', () => {
    const path = tempHistoryPath()
    const log = ProgressLog.open(path)
    const texts = ['東京 ', '🌧️\n', '"quoted" \\ back', '\ud83d', '\ude00 tail']
    log.append(texts.slice(0, 2).map((text) => piece(text)))
    log.append(texts.slice(2).map((text) => piece(text)))
    log.close()
    expect(readProgressLog(path).map((p) => p.text)).toEqual(texts)
  })

  it('keeps the exact prefix before a record a crash cut off, and appends after it', () => {
    const path = tempHistoryPath()
    let log = ProgressLog.open(path)
    log.append([piece('one '), piece('two ')])
    const whole = log.bytes
    log.append([piece('three')])
    log.close()
    // Every length the last record could have been cut to, header included: only whole records come back.
    for (const cut of [whole + 1, whole + 7, whole + 8, statSync(progressLogPath(path)).size - 1]) {
      truncateSync(progressLogPath(path), cut)
      expect(readProgressLog(path).map((p) => p.text)).toEqual(['one ', 'two '])
    }
    log = ProgressLog.open(path)
    expect(log.recovered.map((p) => p.text)).toEqual(['one ', 'two '])
    expect(log.bytes).toBe(whole)
    expect(statSync(progressLogPath(path)).size).toBe(whole)
    log.append([piece('four')])
    log.close()
    expect(readProgressLog(path).map((p) => p.text)).toEqual(['one ', 'two ', 'four'])
  })

  it('stops at a record whose bytes were changed (checksum) or whose length is absurd', () => {
    const path = tempHistoryPath()
    const log = ProgressLog.open(path)
    log.append([piece('kept')])
    const whole = log.bytes
    log.append([piece('flipped')])
    log.close()
    const file = progressLogPath(path)
    const bytes = new Uint8Array(readFileSync(file))
    bytes[bytes.length - 3]! ^= 0x01
    writeFileSync(file, bytes)
    expect(readProgressLog(path).map((p) => p.text)).toEqual(['kept'])
    truncateSync(file, whole)
    appendFileSync(file, Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 2, 3]))
    expect(readProgressLog(path).map((p) => p.text)).toEqual(['kept'])
  })

  it('is removed at close when empty, and kept (for the next start) while it holds pieces', () => {
    const path = tempHistoryPath()
    let log = ProgressLog.open(path)
    log.close()
    expect(existsSync(progressLogPath(path))).toBe(false)
    log = ProgressLog.open(path)
    log.append([piece('x')])
    log.close()
    expect(existsSync(progressLogPath(path))).toBe(true)
    expect(statSync(progressLogPath(path)).mode & 0o777).toBe(0o600)
    log = ProgressLog.open(path)
    log.clear()
    expect(log.bytes).toBe(0)
    log.close()
    expect(existsSync(progressLogPath(path))).toBe(false)
  })

  it('writes nothing for an in-memory history', () => {
    const log = ProgressLog.open(':memory:')
    log.append([piece('x')])
    expect(log.bytes).toBe(0)
    expect(log.recovered).toEqual([])
    log.close()
  })
})

describe('the store and its progress log', () => {
  it('joins what an earlier version appended to answer_pieces, and what the log holds, at the next start', async () => {
    const first = await openTempStore()
    const { id } = first.store.createConversation('q')
    first.store.addTurn(id, 'q', 's1', MODELS)
    first.store.close()
    // An earlier version's pieces in the database, as its crash left them.
    const raw = new Sqlite(first.path)
    const answerId = raw.prepare("SELECT id FROM answers WHERE model_id = 'llama3-2'").pluck().get() as number
    raw
      .prepare('INSERT INTO answer_pieces (answer_id, text, reasoning, written_at) VALUES (?, ?, ?, ?)')
      .run(answerId, 'old ', 'r ', 5)
    raw.close()
    // Then this version streamed more into the log, and crashed (the log is left as it was).
    const log = ProgressLog.open(first.path)
    log.append([{ streamId: 's1', modelId: 'llama3-2', text: 'new', reasoning: 'r2', writtenAt: 9 }])
    log.append([{ streamId: 's1', modelId: 'gone-model', text: 'nobody', reasoning: '', writtenAt: 9 }])
    log.close()

    const { store } = await openTempStore({ path: first.path })
    // Before the start-up join, a read already shows the whole text.
    expect(store.getConversation(id)!.turns[0]!.answers[0]).toMatchObject({ text: 'old new', status: 'streaming' })
    expect(store.markInterruptedOnStartup()).toBe(2)
    expect(store.getConversation(id)!.turns[0]!.answers[0]).toMatchObject({
      text: 'old new',
      reasoning: 'r r2',
      status: 'interrupted',
    })
    expect(readProgressLog(first.path)).toEqual([])
    expect(store.search('old new').hits).toHaveLength(1)
    store.close()
  })

  it('ignores log pieces of an answer that ended before the crash (the log was not cleared yet)', async () => {
    const { store, path } = await openTempStore()
    const { id } = store.createConversation('q')
    store.addTurn(id, 'q', 's1', MODELS.slice(0, 1))
    store.finishAnswer('s1', 'llama3-2', { status: 'complete', text: 'final', reasoning: '' })
    store.close()
    const log = ProgressLog.open(path)
    log.append([{ streamId: 's1', modelId: 'llama3-2', text: 'stale', reasoning: '', writtenAt: 9 }])
    log.close()
    const reopened = await openTempStore({ path })
    expect(reopened.store.markInterruptedOnStartup()).toBe(0)
    expect(reopened.store.getConversation(id)!.turns[0]!.answers[0]).toMatchObject({ text: 'final' })
    expect(readProgressLog(path)).toEqual([])
    reopened.store.close()
  })

  it('keeps the pieces readable when the end cannot be committed, and moves them once it is', async () => {
    const { store, path } = await openTempStore({ busyTimeoutMs: 10 })
    const { id } = store.createConversation('q')
    store.addTurn(id, 'q', 's1', MODELS.slice(0, 1))
    expect(store.appendProgress([{ streamId: 's1', modelId: 'llama3-2', text: 'so far', reasoning: '' }])).toEqual([
      true,
    ])
    const other = new Sqlite(path)
    other.exec('BEGIN IMMEDIATE')
    expect(() => store.finishAnswer('s1', 'llama3-2', { status: 'stopped' })).toThrow(/locked|busy/i)
    other.exec('ROLLBACK')
    other.close()
    // The failed end dropped nothing: the text is still read from the log, and the log still holds it.
    expect(store.getConversation(id)!.turns[0]!.answers[0]).toMatchObject({ text: 'so far', status: 'streaming' })
    expect(readProgressLog(path).map((p) => p.text)).toEqual(['so far'])
    expect(store.finishAnswer('s1', 'llama3-2', { status: 'stopped' })).toBe(true)
    expect(store.getConversation(id)!.turns[0]!.answers[0]).toMatchObject({ text: 'so far', status: 'stopped' })
    expect(readProgressLog(path)).toEqual([])
    store.close()
  })
})
