/**
 * The "asked on another device" mark: its migration on a schema 6 file (independent of any other: one column on
 * conversations), and the store's round trip of it into the sidebar's summaries.
 */
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { HISTORY_MIGRATIONS } from '../../../src-main/core/history/history-migrations'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { openHistoryDatabase } from '../../../src-main/core/history/open-history-database'
import { START, openTempStore, startedClock, tempHistoryPath } from './temp-history'

const askedElsewhere = HISTORY_MIGRATIONS.findIndex((m) => m.description.includes('another device'))

describe('the asked-on-another-device migration', () => {
  it('keeps the conversations as they were, each unmarked', async () => {
    const path = tempHistoryPath()
    const { db } = await openHistoryDatabase(path, {
      migrations: HISTORY_MIGRATIONS.slice(0, askedElsewhere),
      now: () => new Date(START),
      busyTimeoutMs: 100,
    })
    db.prepare('INSERT INTO conversations (id, title, created_at, updated_at, pinned) VALUES (?, ?, ?, ?, ?)').run(
      'c1',
      'Here',
      START,
      START,
      0,
    )
    db.close()
    const store = await HistoryStore.open(path, { clock: startedClock() })
    expect(store.listConversations()).toEqual([
      { id: 'c1', title: 'Here', createdAt: START, updatedAt: START, pinned: false },
    ])
    store.close()
    const file = new Sqlite(path, { readonly: true })
    expect(file.prepare('SELECT asked_elsewhere FROM conversations').all()).toEqual([{ asked_elsewhere: 0 }])
    file.close()
  })
})

describe('a conversation asked on another device', () => {
  it('is marked in the summaries across a reopen, under the id the asking device gave it', async () => {
    const { store, path, clock } = await openTempStore()
    store.createConversation('Asked here')
    store.createConversation('Asked on the laptop', { id: 'laptop-conversation', askedElsewhere: true })
    store.close()
    const reopened = await HistoryStore.open(path, { clock })
    const summaries = reopened.listConversations()
    expect(summaries.find((c) => c.id === 'laptop-conversation')?.askedElsewhere).toBe(true)
    expect(summaries.find((c) => c.title === 'Asked here')).not.toHaveProperty('askedElsewhere')
    reopened.close()
  })
})
