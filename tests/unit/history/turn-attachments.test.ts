/**
 * Migration 7 (turns keep their attachments) on a schema 6 file, and the store's round trip: a turn's attachments in
 * order with the columns that did not get each, and deleting a conversation frees only the files no other
 * conversation refers to.
 */
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { HISTORY_MIGRATIONS } from '../../../src-main/core/history/history-migrations'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { toConversationDetail } from '../../../src-main/core/history/history-views'
import { openHistoryDatabase } from '../../../src-main/core/history/open-history-database'
import type { TurnAttachment } from '../../../src-main/shared/attachment'
import { MODELS, START, openTempStore, startedClock, tempHistoryPath } from './temp-history'

const digest = (c: string) => c.repeat(64)
const image: TurnAttachment = {
  id: digest('a'),
  name: 'chart.png',
  kind: 'image',
  mediaType: 'image/png',
  sizeBytes: 1234,
  width: 640,
  height: 480,
  withheld: { 'qwen2-5': 'model-cannot-read-images' },
}
const pdf: TurnAttachment = {
  id: digest('b'),
  name: 'report.pdf',
  kind: 'pdf',
  mediaType: 'application/pdf',
  sizeBytes: 999,
  textId: digest('c'),
  pages: 3,
}

describe('migration 7 from a schema 6 file', () => {
  it('adds the table and leaves existing turns without attachments', async () => {
    const path = tempHistoryPath()
    const { db } = await openHistoryDatabase(path, {
      migrations: HISTORY_MIGRATIONS.slice(0, 6),
      now: () => new Date(START),
      busyTimeoutMs: 100,
    })
    db.prepare('INSERT INTO conversations (id, title, created_at, updated_at, pinned) VALUES (?, ?, ?, ?, ?)').run(
      'c1',
      'Old',
      START,
      START,
      0,
    )
    db.prepare(
      'INSERT INTO turns (conversation_id, position, prompt, stream_id, created_at, parent_turn_id) VALUES (?, ?, ?, ?, ?, ?)',
    ).run('c1', 0, 'Hi', 's1', START, null)
    db.close()
    const store = await HistoryStore.open(path, { clock: startedClock() })
    expect(store.getConversation('c1')!.turns[0]).not.toHaveProperty('attachments')
    store.close()
    const file = new Sqlite(path, { readonly: true })
    expect(file.pragma('user_version', { simple: true })).toBe(HISTORY_MIGRATIONS.length)
    expect(file.prepare('SELECT count(*) AS n FROM turn_attachments').get()).toEqual({ n: 0 })
    file.close()
  })
})

describe('a turn’s attachments', () => {
  it('come back in order, with the columns that did not get each, across a reopen', async () => {
    const { store, path, clock } = await openTempStore()
    const { id } = store.createConversation('Look')
    store.addTurn(id, 'Look', 'stream-1', MODELS, undefined, [image, pdf])
    store.addTurn(id, 'And now?', 'stream-2', MODELS)
    store.close()
    const reopened = await HistoryStore.open(path, { clock })
    const [first, second] = toConversationDetail(reopened.getConversation(id)!).turns
    expect(first!.attachments).toEqual([image, pdf])
    expect(second).not.toHaveProperty('attachments')
    reopened.close()
  })

  it('frees on delete only the files no other conversation refers to, a PDF’s text included', async () => {
    const { store } = await openTempStore()
    const one = store.createConversation('One').id
    const two = store.createConversation('Two').id
    store.addTurn(one, 'One', 'stream-1', MODELS, undefined, [image, pdf])
    store.addTurn(two, 'Two', 'stream-2', MODELS, undefined, [image])
    const first = store.deleteConversationAndFreeFiles(one)
    expect(first.deleted).toBe(true)
    expect(first.unreferencedFiles.sort()).toEqual([pdf.id, pdf.textId!].sort())
    expect(store.deleteConversationAndFreeFiles(two)).toEqual({ deleted: true, unreferencedFiles: [image.id] })
    expect(store.deleteConversationAndFreeFiles(two)).toEqual({ deleted: false, unreferencedFiles: [] })
    store.close()
  })

  it('reads a damaged withheld cell as nothing withheld', async () => {
    const { store, path } = await openTempStore()
    const { id } = store.createConversation('x')
    store.addTurn(id, 'x', 'stream-1', MODELS, undefined, [image])
    store.close()
    const raw = new Sqlite(path)
    raw.prepare("UPDATE turn_attachments SET withheld = '{not json'").run()
    raw.close()
    const reopened = await HistoryStore.open(path, { clock: startedClock() })
    const { withheld: _withheld, ...rest } = image
    expect(reopened.getConversation(id)!.turns[0]!.attachments).toEqual([rest])
    reopened.close()
  })
})
