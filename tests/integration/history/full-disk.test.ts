/**
 * A full disk (issue 19, item 3), on a real one: a 2 MB tmpfs mounted for this file, filled to the last block.
 * Changes the user asks for (new chat, turn, rename, pin, delete) fail with a plain message and lose nothing, and
 * the store still closes (and lets go of the file) when nothing can be written; a streaming answer's progress log
 * keeps no torn piece and is saved in full once there is room; starting on a full disk opens the history
 * read-only, with a notice. Mounting needs root (and a
 * kernel that allows it here), so without them the test is skipped, saying why.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { AnswerWriter, type HistoryWriteProblem } from '../../../src-main/core/history/answer-writer'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { openHistory } from '../../../src-main/core/history/open-history'
import { readProgressLog } from '../../../src-main/core/history/progress-log'
import { ManualClock } from '../../support/manual-clock'
import { makeTempDirSync } from '../../support/temp-dir'

const FULL = 'The disk is full: free some space; nothing was lost.'

/** The mounted folder, or why there is none. */
function mountSmallDisk(): { dir: string } | { skipped: string } {
  if (process.platform !== 'linux' || process.getuid?.() !== 0)
    return { skipped: 'mounting a tmpfs needs root on Linux' }
  const dir = makeTempDirSync('full-disk')
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' })
    return { dir }
  } catch (error) {
    return { skipped: `mount refused: ${(error as Error).message.split('\n')[0]}` }
  }
}

/** Writes a filler file until the disk refuses another byte. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w')
  const block = Buffer.alloc(4096, 1)
  try {
    for (;;) writeSync(fd, block)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
    // The last partial block, byte by byte, so not even a small write fits.
    try {
      for (;;) writeSync(fd, block, 0, 1)
    } catch {
      // full
    }
  } finally {
    closeSync(fd)
  }
}

const disk = mountSmallDisk()
/** Stores a failed test may have left open: closed before unmounting, which refuses a busy disk. */
const opened: HistoryStore[] = []
afterAll(() => {
  for (const store of opened) store.close()
  if ('dir' in disk) execFileSync('umount', [disk.dir])
})

async function open(path: string): Promise<HistoryStore> {
  const store = await HistoryStore.open(path)
  opened.push(store)
  return store
}

describe.skipIf('skipped' in disk)(`a full disk${'skipped' in disk ? ` (skipped: ${disk.skipped})` : ''}`, () => {
  it('refuses new chats, turns, rename, pin, delete and import plainly, loses nothing, and still closes', async () => {
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

    const attempts: Array<[string, () => unknown]> = [
      ['new chat', () => store.createConversation('A new chat')],
      ['turn', () => store.addTurn(kept.id, 'Another prompt', 's2', [{ id: 'm', label: 'M' }])],
      ['rename', () => store.renameConversation(kept.id, 'A new title')],
      ['pin', () => store.setPinned(kept.id, true)],
      ['delete', () => store.deleteConversation(kept.id)],
      ['import', () => store.importJson(exported)],
    ]
    for (const [what, attempt] of attempts) {
      expect(attempt, what).toThrow(FULL)
    }
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
    expect(history.notices).toEqual([
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
})
