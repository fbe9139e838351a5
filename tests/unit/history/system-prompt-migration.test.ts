/**
 * Migration 5 (conversations keep their system prompt) on a schema 4 file, and the store's round trip of it.
 */
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { HISTORY_MIGRATIONS } from '../../../src-main/core/history/history-migrations'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { openHistoryDatabase } from '../../../src-main/core/history/open-history-database'
import { toConversationDetail } from '../../../src-main/core/history/history-views'
import { START, openTempStore, startedClock, tempHistoryPath } from './temp-history'

describe('migration 5 from a schema 4 file', () => {
  it('keeps the conversations as they were, each with no system prompt', async () => {
    const path = tempHistoryPath()
    const { db } = await openHistoryDatabase(path, {
      migrations: HISTORY_MIGRATIONS.slice(0, 4),
      now: () => new Date(START),
      busyTimeoutMs: 100,
    })
    db.prepare('INSERT INTO conversations (id, title, created_at, updated_at, pinned) VALUES (?, ?, ?, ?, ?)').run(
      'c1',
      '東京の天気は？',
      START,
      START,
      1,
    )
    db.close()
    // Up to migration 5 only, so the file shows what it did (later migrations have their own tests).
    const migrated = await openHistoryDatabase(path, {
      migrations: HISTORY_MIGRATIONS.slice(0, 5),
      now: () => new Date(START),
      busyTimeoutMs: 100,
    })
    migrated.db.close()
    const file = new Sqlite(path, { readonly: true })
    expect(file.pragma('user_version', { simple: true })).toBe(5)
    expect(file.prepare('SELECT system_prompt FROM conversations').all()).toEqual([{ system_prompt: '' }])
    file.close()
    const store = await HistoryStore.open(path, { clock: startedClock() })
    const record = store.getConversation('c1')!
    expect(record).toMatchObject({ id: 'c1', title: '東京の天気は？', pinned: true })
    expect(record).not.toHaveProperty('systemPrompt')
    store.close()
  })
})

describe('a conversation system prompt', () => {
  it('is kept across a reopen, reaches the detail view, and is cleared with an empty text', async () => {
    const { store, path, clock } = await openTempStore()
    const { id } = store.createConversation('Hello')
    expect(store.setSystemPrompt(id, 'Réponds en français. 🇫🇷')).toBe(true)
    store.close()
    const reopened = await HistoryStore.open(path, { clock })
    expect(toConversationDetail(reopened.getConversation(id)!).systemPrompt).toBe('Réponds en français. 🇫🇷')
    reopened.setSystemPrompt(id, '')
    expect(toConversationDetail(reopened.getConversation(id)!)).not.toHaveProperty('systemPrompt')
    expect(reopened.setSystemPrompt('missing', 'x')).toBe(false)
    reopened.close()
  })
})
