/**
 * One store at a time on a history file (issue 19, item 5): a second store refuses with a clear message and
 * touches nothing, the first keeps saving, and the writer says so in diagnostics when its row is gone.
 */
import { statSync, writeFileSync } from 'node:fs'
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { AnswerWriter } from '../../../src-main/core/history/answer-writer'
import { HistoryInUseError, lockPathOf } from '../../../src-main/core/history/history-lock'
import { HISTORY_MIGRATIONS } from '../../../src-main/core/history/history-migrations'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { registerSearchFolding } from '../../../src-main/core/history/search-fold'
import { openHistory } from '../../../src-main/core/history/open-history'
import { reportGoneAnswer } from '../../../src-main/core/history/report-gone-answer'
import { DiagnosticsRecorder } from '../../../src-main/core/diagnostics'
import { MODELS, openTempStore, startedClock, tempHistoryPath } from './temp-history'
import { noticeWords } from '../../support/notice-words'

const IN_USE = /already open in another StreamDesk process/

describe('the history lock', () => {
  it('refuses a second store on the same file, which changes nothing; the first keeps saving', async () => {
    const { store, path, clock } = await openTempStore()
    const { id } = store.createConversation('live')
    store.addTurn(id, 'live', 's1', MODELS.slice(0, 1))
    const writer = new AnswerWriter({ sink: store, clock })
    writer.append('s1', 'llama3-2', 'first part, ')

    await expect(HistoryStore.open(path, { clock })).rejects.toThrow(HistoryInUseError)
    await expect(HistoryStore.open(path, { clock })).rejects.toThrow(IN_USE)
    // The app's open: a session of its own in memory, with a notice that says why; the live answer is not
    // marked interrupted by it.
    const second = await openHistory(path, clock)
    expect(second.store.filePath).toBe(':memory:')
    expect(noticeWords(second.notices).join('\n')).toMatch(IN_USE)
    second.store.close()

    clock.advance(300)
    writer.append('s1', 'llama3-2', 'second part')
    expect(writer.flush()).toBe(0)
    expect(store.getConversation(id)!.turns[0]!.answers[0]).toMatchObject({
      text: 'first part, second part',
      status: 'streaming',
    })
    writer.dispose()
    store.close()

    // Closed: the next store opens it.
    const next = await HistoryStore.open(path, { clock })
    expect(next.markInterruptedOnStartup()).toBe(1)
    next.close()
  })

  it('is released when an open fails, and a side file that is not a database is made again', async () => {
    const path = tempHistoryPath()
    const { store } = await openTempStore({ path })
    store.close()
    // A store that knows fewer migrations than the file refuses it; the lock it took goes with it.
    await expect(
      HistoryStore.open(path, { clock: startedClock(), migrations: HISTORY_MIGRATIONS.slice(0, 2) }),
    ).rejects.toThrow(/newer version/)
    writeFileSync(lockPathOf(path), 'not a database, just bytes of something else entirely')
    const reopened = await HistoryStore.open(path, { clock: startedClock() })
    if (process.platform !== 'win32') expect(statSync(lockPathOf(path)).mode & 0o777).toBe(0o600)
    await expect(HistoryStore.open(path, { clock: startedClock() })).rejects.toThrow(IN_USE)
    reopened.close()
  })

  it('is released, and the file closed, when PRAGMA optimize fails at close (here: the file locked by another)', async () => {
    const { store, path } = await openTempStore({ busyTimeoutMs: 10 })
    const { id } = store.createConversation('q')
    // Reads that make PRAGMA optimize want to analyze (a write, which the other connection's lock refuses).
    store.listConversations()
    store.getConversation(id)
    const other = new Sqlite(path)
    other.exec('BEGIN IMMEDIATE')
    try {
      expect(() => store.close()).not.toThrow()
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    expect(() => store.listConversations()).toThrow(/not open/)
    const next = await HistoryStore.open(path, { clock: startedClock() })
    expect(next.listConversations().map((c) => c.id)).toEqual([id])
    next.close()
  })

  it('leaves the history file readable by others: a read-only connection still reads it', async () => {
    const { store, path } = await openTempStore()
    store.createConversation('readable')
    const reader = new Sqlite(path, { readonly: true })
    expect(reader.prepare('SELECT title FROM conversations').pluck().all()).toEqual(['readable'])
    reader.close()
    store.close()
  })
})

describe('an answer whose row is gone', () => {
  async function streaming() {
    const { store, clock, path } = await openTempStore()
    const { id } = store.createConversation('q')
    store.addTurn(id, 'q', 's1', MODELS.slice(0, 1))
    const logged: string[] = []
    const diagnostics = new DiagnosticsRecorder((line) => logged.push(line))
    const writer = new AnswerWriter({
      sink: store,
      clock,
      onAnswerGone: (gone) => reportGoneAnswer(store, gone, diagnostics),
    })
    writer.append('s1', 'llama3-2', 'kept words ')
    return { store, clock, path, id, writer, logged, diagnostics }
  }

  it('is an error in diagnostics when another writer ended it, with the count of characters not saved', async () => {
    const { store, clock, path, writer, logged, diagnostics } = await streaming()
    // What a second core without the lock did: mark the live answer interrupted behind the writer's back.
    const other = new Sqlite(path)
    // The index's triggers fold with the app's function, which every writing connection registers.
    registerSearchFolding(other)
    other.prepare(`UPDATE answers SET status = 'interrupted'`).run()
    other.close()
    clock.advance(300)
    writer.append('s1', 'llama3-2', 'lost word')
    expect(logged).toEqual([
      expect.stringMatching(
        /error history: answer llama3-2 on s1 was ended \(interrupted\) by another writer.* 9 chars/,
      ),
    ])
    expect(diagnostics.snapshot(0).lastErrors.join('\n')).toMatch(/another writer/)
    // Never the text itself.
    expect(logged.join('\n')).not.toMatch(/lost word|kept words/)
    writer.dispose()
    store.close()
  })

  it('is a note when its conversation was deleted', async () => {
    const { store, clock, id, writer, logged, diagnostics } = await streaming()
    store.deleteConversation(id)
    clock.advance(300)
    writer.append('s1', 'llama3-2', 'more')
    expect(logged).toEqual([expect.stringMatching(/note history: answer llama3-2 on s1 was deleted while streaming/)])
    expect(diagnostics.snapshot(0).lastErrors).toEqual([])
    writer.dispose()
    store.close()
  })
})
