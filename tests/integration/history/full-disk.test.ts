/**
 * A full disk (issue 19, item 3), on a real one: a 2 MB tmpfs mounted for this file, filled to the last block.
 * An import fails with a plain message and changes nothing; the changes the user makes (new chat, turn, Continue,
 * rename, pin, delete) are kept in memory, shown by the reads, and written exactly once when there is room (or
 * listed as lost when the history closes first); the store still closes (and lets go of the file) when nothing
 * can be written; a streaming answer's progress log
 * keeps no torn piece and is saved in full once there is room; starting on a full disk opens the history
 * read-only, with a notice. Mounting needs root (and a
 * kernel that allows it here), so without them the test is skipped, saying why.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { ConversationDetail, Notice, SendPromptResult } from '../../../src-main/shared/ipc-contract'
import { splitIntoDeltas, startFakeOpenAiServer, type FakeOpenAiServer } from '../../fixtures/fake-openai-server'
import { startTestCore } from '../../support/test-core'
import { AnswerWriter, type HistoryWriteProblem } from '../../../src-main/core/history/answer-writer'
import { closeHistory } from '../../../src-main/core/history/close-history'
import { historyHandlers } from '../../../src-main/core/history/history-handlers'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { openHistory } from '../../../src-main/core/history/open-history'
import { readProgressLog } from '../../../src-main/core/history/progress-log'
import { ManualClock } from '../../support/manual-clock'
import { fillDisk, mountSmallDisk, unmountSmallDisk } from '../../support/small-disk'
import { noticeWords } from '../../support/notice-words'

const FULL = 'The disk is full: free some space; nothing was lost.'
/** The user's message when a change is kept (worded by the renderer in the user's language). */
const KEPT = 'history:change-kept'
const M = { id: 'm', label: 'M' }
const M2 = { id: 'm2', label: 'M2' }

/** What the store tells the user about kept changes, as lines. */
function listen(store: HistoryStore): string[] {
  const events: string[] = []
  store.watchPendingChanges({
    kept: (message) => events.push(`kept: ${message.key}`),
    saved: (written) => events.push(`saved ${written}`),
    failed: ({ english, message }) =>
      events.push(`failed: ${english} [${message.key}: ${JSON.stringify(message.params)}; ${message.detail}]`),
  })
  return events
}

/** A number read from the file on a connection of its own (what is on disk, not what the store shows). */
function rowCount(path: string, query: string): number {
  const raw = new Sqlite(path, { readonly: true })
  try {
    return raw.prepare(query).pluck().get() as number
  } finally {
    raw.close()
  }
}

function expectIntact(path: string): void {
  const raw = new Sqlite(path, { readonly: true })
  expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
  raw.close()
}

/** An export without the moment it was taken. */
function withoutExportDate(json: string): string {
  return json.replace(/"exportedAt": "[^"]*"/, '')
}

const disk = mountSmallDisk('full-disk')
let server: FakeOpenAiServer | undefined
let stopCore: (() => Promise<unknown>) | undefined
afterEach(async () => {
  await stopCore?.()
  await server?.close()
  stopCore = undefined
  server = undefined
})
/** Stores a failed test may have left open: closed before unmounting, which refuses a busy disk. */
const opened: HistoryStore[] = []
afterAll(() => {
  for (const store of opened) store.close()
  unmountSmallDisk(disk)
})

async function open(path: string, clock?: ManualClock): Promise<HistoryStore> {
  const store = await HistoryStore.open(path, clock ? { clock } : {})
  opened.push(store)
  return store
}

describe.skipIf('skipped' in disk)(`a full disk${'skipped' in disk ? ` (skipped: ${disk.skipped})` : ''}`, () => {
  it('refuses an import plainly, loses nothing, and still closes', async () => {
    const { dir } = disk as { dir: string }
    const path = join(dir, 'history.sqlite')
    let store = await open(path)
    const kept = store.createConversation('Kept conversation')
    store.addTurn(kept.id, 'Kept conversation', 's1', [{ id: 'm', label: 'M' }])
    store.finishAnswer('s1', 'm', { status: 'complete', text: 'An answer that must survive.' })
    const exported = store.exportConversation(kept.id, 'json')!.replace(kept.id, 'an-imported-copy')
    // Reopened so the WAL starts empty: every write from now on needs new blocks.
    store.close()
    store = await open(path)
    const filler = join(dir, 'filler')
    fillDisk(filler)

    // New chats, turns, rename, pin and delete are kept instead (below).
    expect(() => store.importJson(exported)).toThrow(FULL)
    // Reading still works, and shows everything as it was.
    expect(store.listConversations()).toMatchObject([{ id: kept.id, title: 'Kept conversation', pinned: false }])
    // It still closes (its checkpoint cannot write either), and lets the next store open the file.
    expect(() => store.close()).not.toThrow()

    rmSync(filler)
    store = await open(path)
    const conversation = store.getConversation(kept.id)!
    expect(conversation).toMatchObject({ title: 'Kept conversation', pinned: false })
    expect(conversation.turns.map((t) => t.answers[0]!.text)).toEqual(['An answer that must survive.'])
    expect(store.renameConversation(kept.id, 'Renamed once there is room')).toBe(true)
    store.close()
    const raw = new Sqlite(path, { readonly: true })
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
    raw.close()
  })

  it('keeps a streaming answer in memory while its log cannot grow, then saves it exactly, with no torn piece', async () => {
    const { dir } = disk as { dir: string }
    const path = join(dir, 'streaming.sqlite')
    const store = await open(path)
    const { id } = store.createConversation('Stream on a full disk')
    store.addTurn(id, 'Stream on a full disk', 's1', [{ id: 'm', label: 'M' }])
    const clock = new ManualClock()
    const problems: HistoryWriteProblem[] = []
    let recovered = 0
    const writer = new AnswerWriter({
      sink: store,
      clock,
      onError: (p) => problems.push(p),
      onRecovered: () => recovered++,
    })
    writer.append('s1', 'm', 'Saved before. ')
    const filler = join(dir, 'filler')
    fillDisk(filler)
    // Pieces bigger than any block left: each append fails part-way, and is cut back.
    let streamed = 'Saved before. '
    for (let i = 0; i < 5; i++) {
      clock.advance(300)
      const piece = `piece ${i} ${'東京'.repeat(3_000)} `
      writer.append('s1', 'm', piece)
      streamed += piece
    }
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toMatch(/^History could not be saved: the disk is full\./)
    expect(readProgressLog(path).map((p) => p.text)).toEqual(['Saved before. '])
    expect(writer.unsaved()).toEqual([{ streamId: 's1', modelId: 'm', unsavedChars: streamed.length - 14 }])

    rmSync(filler)
    clock.advance(1_000)
    expect(recovered).toBe(1)
    expect(writer.unsavedCount).toBe(0)
    expect(store.getConversation(id)!.turns[0]!.answers[0]!.text).toBe(streamed)
    expect(
      readProgressLog(path)
        .map((p) => p.text)
        .join(''),
    ).toBe(streamed)
    writer.finish('s1', 'm', { status: 'complete' })
    expect(store.getConversation(id)!.turns[0]!.answers[0]).toMatchObject({ text: streamed, status: 'complete' })
    writer.dispose()
    store.close()
  })

  it('starts on a full disk with the history read-only and readable, saying so, and writable again once there is room', async () => {
    const { dir } = disk as { dir: string }
    const path = join(dir, 'start-up.sqlite')
    const store = await open(path)
    const kept = store.createConversation('Readable on a full disk')
    store.addTurn(kept.id, 'Readable on a full disk', 's1', [{ id: 'm', label: 'M' }])
    store.finishAnswer('s1', 'm', { status: 'complete', text: 'Still here, and searchable.' })
    store.close()
    const filler = join(dir, 'filler')
    fillDisk(filler)

    const clock = new ManualClock()
    const history = await openHistory(path, clock)
    opened.push(history.store)
    expect(history.store.readOnly).toBe(true)
    expect(history.store.filePath).toBe(path)
    expect(noticeWords(history.notices)).toEqual([
      expect.stringMatching(/^The disk is full, so your history is open read-only: you can read, search and export/),
    ])
    expect(history.store.listConversations()).toMatchObject([{ id: kept.id, title: 'Readable on a full disk' }])
    expect(history.store.search('searchable').hits).toHaveLength(1)
    expect(() => history.store.renameConversation(kept.id, 'Not now')).toThrow(FULL)
    // The page words it from its key: the disk is full (what made the store read-only), not "read-only".
    expect(() => history.store.renameConversation(kept.id, 'Not now')).toThrow(
      expect.objectContaining({ userMessage: { key: 'history:change-failed', params: { reason: 'disk-full' } } }),
    )
    expect(() => history.store.close()).not.toThrow()

    rmSync(filler)
    const again = await openHistory(path, clock)
    opened.push(again.store)
    expect(again.store.readOnly).toBe(false)
    expect(again.notices).toEqual([])
    expect(again.store.renameConversation(kept.id, 'Writable again')).toBe(true)
    again.store.close()
  })

  it('keeps a new chat, turns, Continue, rename, pin and delete made on a full disk, shows them, and writes each once when there is room', async () => {
    const { dir } = disk as { dir: string }
    const path = join(dir, 'kept.sqlite')
    const clock = new ManualClock()
    let store = await open(path, clock)
    const kept = store.createConversation('Kept conversation')
    store.addTurn(kept.id, 'Kept conversation', 's1', [M])
    store.finishAnswer('s1', 'm', { status: 'complete', text: 'Cut off at the tok', stopReason: 'max-tokens' })
    const doomed = store.createConversation('Doomed conversation')
    store.close()
    store = await open(path, clock)
    const events = listen(store)
    const handlers = historyHandlers(store, () => {})
    const filler = join(dir, 'filler')
    fillDisk(filler)

    // A new chat, its turn, and two columns streaming into it, one of them ended.
    const fresh = store.createConversation('A chat begun on a full disk')
    store.addTurn(fresh.id, 'A chat begun on a full disk', 's-new', [M, M2])
    const long = '東京の天気 and some code `x = 1`\n'.repeat(400)
    expect(store.appendAnswerProgress('s-new', 'm', long.slice(0, 5_000))).toBe(true)
    expect(
      store.appendProgress([
        { streamId: 's-new', modelId: 'm', text: long.slice(5_000), reasoning: 'Thought about it.' },
        { streamId: 's-new', modelId: 'm2', text: 'The second column.', reasoning: '' },
      ]),
    ).toEqual([true, true])
    clock.advance(10)
    expect(
      store.finishAnswer('s-new', 'm', {
        status: 'complete',
        stopReason: 'end',
        usage: { inputTokens: 12, outputTokens: 345 },
      }),
    ).toBe(true)
    // A turn on the stored conversation, still streaming when the space comes back.
    expect(store.addTurn(kept.id, 'Another prompt', 's2', [M])).toMatchObject({ index: 1 })
    expect(store.appendAnswerProgress('s2', 'm', 'Written before the space came back. ')).toBe(true)
    // Continue: a second attempt at the first turn, ended.
    expect(store.addAttempt(kept.id, 's1', M, 's1-continued')).toMatchObject({ attempt: 2 })
    store.appendAnswerProgress('s1-continued', 'm', 'Cut off at the token limit, and on to the end.')
    store.finishAnswer('s1-continued', 'm', { status: 'complete', stopReason: 'end' })
    expect(store.renameConversation(kept.id, 'Renamed on a full disk')).toBe(true)
    expect(store.setPinned(kept.id, true)).toBe(true)
    expect(store.deleteConversation(doomed.id)).toBe(true)
    // A chat made and deleted while full is never written at all.
    const passing = store.createConversation('Made and deleted while full')
    expect(store.deleteConversation(passing.id)).toBe(true)

    // Part of a caller's transaction (a backup's restore), a change is not kept apart from it: refused with it.
    const keptSoFar = store.pendingChangeCount
    expect(() => store.inTransaction(() => void store.renameConversation(kept.id, 'Not kept'))).toThrow(/disk is full/)
    expect(store.pendingChangeCount).toBe(keptSoFar)

    // Said once, not refused; all shown by the core's read channels; none of it in the file yet.
    expect(events).toEqual([`kept: ${KEPT}`])
    expect(store.pendingChangeCount).toBe(7)
    expect((await handlers['history:list']({})).map((c) => [c.title, c.pinned])).toEqual([
      ['Renamed on a full disk', true],
      ['A chat begun on a full disk', false],
    ])
    const freshShown = (await handlers['history:get'](fresh.id))!
    expect(freshShown.turns.map((t) => [t.prompt, t.answers.map((a) => [a.modelId, a.text, a.status])])).toEqual([
      [
        'A chat begun on a full disk',
        [
          ['m', long, 'complete'],
          ['m2', 'The second column.', 'streaming'],
        ],
      ],
    ])
    const keptShown = (await handlers['history:get'](kept.id))!
    expect(keptShown.turns.map((t) => t.answers.map((a) => [a.attempt, a.text]))).toEqual([
      [
        [1, 'Cut off at the tok'],
        [2, 'Cut off at the token limit, and on to the end.'],
      ],
      [[1, 'Written before the space came back. ']],
    ])
    expect(await handlers['history:get'](doomed.id)).toBeNull()
    expect(store.conversationOfStream('s-new')).toBe(fresh.id)
    expect(rowCount(path, 'SELECT count(*) FROM conversations')).toBe(2)
    const freshBefore = withoutExportDate(store.exportConversation(fresh.id, 'json')!)

    // The disk has room again: the retry timer writes them, in order, once.
    store.finishAnswer('s-new', 'm2', { status: 'complete' })
    const freshEnded = withoutExportDate(store.exportConversation(fresh.id, 'json')!)
    expect(freshEnded).not.toBe(freshBefore)
    rmSync(filler)
    clock.advance(1_000)
    expect(events).toEqual([`kept: ${KEPT}`, 'saved 7'])
    expect(store.pendingChangeCount).toBe(0)
    store.retryPending()
    expect(events).toHaveLength(2)
    // The answer that was still streaming goes on into its row.
    expect(store.appendAnswerProgress('s2', 'm', 'And after it.')).toBe(true)
    store.finishAnswer('s2', 'm', { status: 'complete' })
    const keptWritten = withoutExportDate(store.exportConversation(kept.id, 'json')!)
    store.close()

    store = await open(path, clock)
    expect(withoutExportDate(store.exportConversation(fresh.id, 'json')!)).toBe(freshEnded)
    expect(withoutExportDate(store.exportConversation(kept.id, 'json')!)).toBe(keptWritten)
    expect(store.listConversations().map((c) => [c.title, c.pinned])).toEqual([
      ['Renamed on a full disk', true],
      ['A chat begun on a full disk', false],
    ])
    const reread = store.getConversation(kept.id)!
    expect(reread.turns.map((t) => t.answers.map((a) => a.text))).toEqual([
      ['Cut off at the tok', 'Cut off at the token limit, and on to the end.'],
      ['Written before the space came back. And after it.'],
    ])
    expect(store.getConversation(fresh.id)!.turns[0]!.answers[0]).toMatchObject({
      text: long,
      reasoning: 'Thought about it.',
      usage: { inputTokens: 12, outputTokens: 345 },
      end: { stopReason: 'end' },
    })
    expect(store.search('東京の天気').hits.map((hit) => hit.conversationId)).toEqual([fresh.id])
    store.close()
    expectIntact(path)
  })

  it('writes kept changes as soon as another write works, and reports one that can no longer be written for another reason', async () => {
    const { dir } = disk as { dir: string }
    const path = join(dir, 'gone.sqlite')
    const clock = new ManualClock()
    const store = await open(path, clock)
    const a = store.createConversation('Removed by another program')
    store.addTurn(a.id, 'Removed by another program', 's1', [M])
    const b = store.createConversation('Still here')
    store.addTurn(b.id, 'Still here', 's-b', [M])
    store.close()
    const reopened = await open(path, clock)
    const events = listen(reopened)
    const filler = join(dir, 'filler')
    fillDisk(filler)
    expect(reopened.addAttempt(a.id, 's1', M, 's1-again')).toMatchObject({ attempt: 2 })
    expect(reopened.renameConversation(b.id, 'Renamed later')).toBe(true)
    rmSync(filler)
    // Another program removes the turn the kept answer belongs to.
    const raw = new Sqlite(path)
    raw.prepare('DELETE FROM conversations WHERE id = ?').run(a.id)
    raw.close()
    // No timer: the next write that works (a streaming answer's progress) takes the kept changes with it.
    expect(events).toEqual([`kept: ${KEPT}`])
    expect(reopened.appendAnswerProgress('s-b', 'm', '東京'.repeat(3_000))).toBe(true)
    expect(events).toEqual([
      `kept: ${KEPT}`,
      // The conversation is gone, and its title with it: the id says which.
      `failed: A change made while the disk was full could not be saved (a continued or regenerated answer in “${a.id}”): ` +
        'That answer is no longer in the conversation. ' +
        `[history:kept-change-lost: {"change":"attempt","title":"${a.id}"}; That answer is no longer in the conversation]`,
      'saved 1',
    ])
    expect(reopened.getConversation(b.id)!.title).toBe('Renamed later')
    expect(reopened.pendingChangeCount).toBe(0)
    reopened.close()
  })

  it('keeps at most 1,000 changes: the next is refused, saying so, and those kept are still written', async () => {
    const { dir } = disk as { dir: string }
    const path = join(dir, 'bounded.sqlite')
    const clock = new ManualClock()
    let store = await open(path, clock)
    const { id } = store.createConversation('Pinned and unpinned')
    store.close()
    store = await open(path, clock)
    const filler = join(dir, 'filler')
    fillDisk(filler)
    for (let i = 0; i < 1_000; i++) expect(store.setPinned(id, i % 2 === 0)).toBe(true)
    expect(() => store.renameConversation(id, 'One too many')).toThrow(
      'The disk is full and too many changes are waiting to be saved: free some space; this change was not made.',
    )
    expect(store.pendingChangeCount).toBe(1_000)
    expect(store.getConversation(id)).toMatchObject({ title: 'Pinned and unpinned', pinned: false })
    rmSync(filler)
    clock.advance(1_000)
    expect(store.pendingChangeCount).toBe(0)
    store.close()
    store = await open(path, clock)
    expect(store.getConversation(id)).toMatchObject({ title: 'Pinned and unpinned', pinned: false })
    store.close()
  })

  it('on closing while still full, says which conversations and changes were not saved, and closes the file', async () => {
    const { dir } = disk as { dir: string }
    const path = join(dir, 'quit.sqlite')
    const clock = new ManualClock()
    let store = await open(path, clock)
    const kept = store.createConversation('Kept conversation')
    store.addTurn(kept.id, 'Kept conversation', 's1', [M])
    const doomed = store.createConversation('Deleted on a full disk')
    store.close()
    store = await open(path, clock)
    const writer = new AnswerWriter({ sink: store, clock })
    writer.append('s1', 'm', 'Saved before. ')
    const filler = join(dir, 'filler')
    fillDisk(filler)
    // Bigger than the room left in the log's last block.
    writer.append('s1', 'm', '東京'.repeat(3_000))
    const fresh = store.createConversation('A chat begun on a full disk')
    store.addTurn(fresh.id, 'A chat begun on a full disk', 's-new', [M])
    writer.append('s-new', 'm', 'An answer of 29 characters...')
    store.addAttempt(kept.id, 's1', M, 's1-continued')
    store.renameConversation(kept.id, 'Renamed on a full disk')
    store.setPinned(kept.id, true)
    store.deleteConversation(doomed.id)

    const unsaved = closeHistory(store, writer)
    expect(unsaved?.message).toBe(
      [
        'StreamDesk could not save all of your history before quitting: the disk is full or cannot be written to. These are lost:',
        '• “A chat begun on a full disk”: the new chat, a prompt and its answers (29 characters of answers)',
        // The answer that was streaming into the stored turn counts with its conversation's kept changes.
        '• “Renamed on a full disk”: a continued or regenerated answer, a rename, a pin or unpin (6,000 characters of answers)',
        '• “Deleted on a full disk”: its deletion',
      ].join('\n'),
    )
    // The log has ids and counts, never titles or text.
    expect(unsaved?.logLines).toEqual([
      'history: changes to 3 conversation(s) kept while the disk was full could not be saved before quitting ' +
        `(${fresh.id}: new chat, turn; 0 answer chars; ${kept.id}: attempt, rename, pin; 0 answer chars; ` +
        `${doomed.id}: delete; 0 answer chars)`,
      'history: 2 answer(s) could not be saved before quitting ' +
        '(m on stream s1: the last 6000 character(s); m on stream s-new: the last 29 character(s))',
    ])
    // Closed: the lock is let go, and the file is whole, with what was saved before.
    rmSync(filler)
    store = await open(path, clock)
    expect(store.listConversations().map((c) => c.title)).toEqual(['Deleted on a full disk', 'Kept conversation'])
    store.close()
    expectIntact(path)
  })

  it('through the app core: a chat sent on a full disk streams into kept changes, Diagnostics counts them, and quitting names them and still closes the file', async () => {
    const { dir } = disk as { dir: string }
    const userDataDir = join(dir, 'core')
    mkdirSync(userDataDir, { mode: 0o700 })
    const text = 'An answer streamed on a full disk.'
    server = await startFakeOpenAiServer({ m: { kind: 'answer', deltas: splitIntoDeltas(text) } })
    const core = await startTestCore({ broker: 'embedded', modelIds: ['m'], baseUrl: server.baseUrl, userDataDir })
    stopCore = core.stop
    const notices: Notice[] = []
    core.core.events.on('app:notice', (notice) => notices.push(notice))
    const filler = join(dir, 'filler')
    fillDisk(filler)

    const sent = (await core.invoke('chat:send', [
      { prompt: 'Asked on a full disk', modelIds: ['m'] },
    ])) as SendPromptResult
    expect((await core.finished(sent.streamId, ['m'])).m).toMatchObject({ status: 'complete', text })
    expect(notices.filter((notice) => notice.message.key === KEPT)).toEqual([
      { level: 'warning', message: { key: KEPT, params: {} } },
    ])
    const detail = (await core.invoke('history:get', [sent.conversationId])) as ConversationDetail
    expect(detail.turns.map((t) => [t.prompt, t.answers.map((a) => [a.text, a.status])])).toEqual([
      ['Asked on a full disk', [[text, 'complete']]],
    ])
    // The new chat, the system prompt it was sent with, and its turn.
    expect(await core.invoke('diagnostics:get', [])).toMatchObject({ unsavedHistoryChanges: 3 })

    stopCore = undefined
    expect(await core.stop()).toBe(
      'StreamDesk could not save all of your history before quitting: the disk is full or cannot be written to. ' +
        `These are lost:\n• “Asked on a full disk”: the new chat, its system prompt, a prompt and its answers (${text.length} characters of answers)`,
    )
    rmSync(filler)
    // Closed: its lock is let go (a store opens it), and the file is whole, without the lost chat.
    const reopened = await open(join(userDataDir, 'history.sqlite'))
    expect(reopened.listConversations()).toEqual([])
    reopened.close()
    expectIntact(join(userDataDir, 'history.sqlite'))
  })
})
