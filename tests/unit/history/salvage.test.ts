/**
 * A damaged history at start-up: what still reads is salvaged, what the newest good backup holds beyond it is
 * added, and the user is told how many conversations came back and from where. The damage is written by the test
 * into real files: pages overwritten in the middle, the whole file but its header overwritten, a foreign file.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { historyHandlers } from '../../../src-main/core/history/history-handlers'
import { requestRecheck } from '../../../src-main/core/history/open-history-database'
import { addAnsweredTurn, openTempStore, overwritePages, startedClock } from './temp-history'
import { noticeWords } from '../../support/notice-words'

/** Local noon on 2024-05-<day>: backup names use the local calendar date. */
const day = (d: number) => new Date(2024, 4, d, 12)

const answerText = (i: number) => `Answer ${i}: ${'東京の天気は晴れ。 sunny 😀 '.repeat(40 + i)}`

/** `count` conversations of two turns each, numbered from `first`. */
function fill(store: HistoryStore, first: number, count: number): Map<string, string> {
  const texts = new Map<string, string>()
  for (let i = first; i < first + count; i++) {
    const { id } = store.createConversation(`conversation ${i}`)
    addAnsweredTurn(store, id, `prompt ${i}`, `stream-${i}-a`, [answerText(i), `other ${i}`])
    addAnsweredTurn(store, id, `follow-up ${i}`, `stream-${i}-b`, [`short ${i}`])
    texts.set(id, answerText(i))
  }
  return texts
}

/** Every conversation of a store: its id to its turns, each as [prompt, ...answer texts]. */
function contents(store: HistoryStore) {
  return new Map(
    store.listConversations({ limit: 500 }).map((summary) => {
      const conversation = store.getConversation(summary.id)!
      return [summary.id, conversation.turns.map((turn) => [turn.prompt, ...turn.answers.map((a) => a.text)])] as const
    }),
  )
}

describe('salvaging a damaged history', () => {
  it('keeps every conversation still readable after pages in the middle were overwritten, exactly', async () => {
    const { store, path } = await openTempStore()
    fill(store, 0, 60)
    const before = contents(store)
    store.close()
    overwritePages(path, 0.5, 16 * 1024)
    requestRecheck(path, ['found damaged in the session before'])

    const reopened = await HistoryStore.open(path, { clock: startedClock() })
    const after = contents(reopened)
    // Most conversations come back, and every one that does is exactly as it was. (The damage did cost rows: the
    // test exercises skipping past unreadable pages, not only a damaged search index.)
    const items = (map: typeof before) => [...map.values()].flat(2).length
    expect(after.size).toBeGreaterThanOrEqual(50)
    expect(items(after)).toBeLessThan(items(before))
    for (const [id, turns] of after) {
      const original = before.get(id)!
      // A conversation may lose a turn or an answer on the damaged pages, never have one changed.
      for (const [prompt, ...answers] of turns) {
        const turn = original.find(([originalPrompt]) => originalPrompt === prompt)
        expect(turn).toBeDefined()
        expect(turn).toEqual(expect.arrayContaining(answers))
      }
    }
    expect(reopened.notices).toHaveLength(1)
    expect(noticeWords(reopened.notices)[0]).toMatch(
      new RegExp(`recovered ${after.size} conversations from the damaged file;.*kept, not deleted`),
    )
    // A working history: searchable, writable, and whole.
    const some = [...after.keys()][0]!
    expect(reopened.search(`prompt ${[...before.keys()].indexOf(some)}`).hits.length).toBeGreaterThan(0)
    reopened.createConversation('after the salvage')
    expect(await reopened.verifyIntegrity()).toEqual({ status: 'ok' })
    reopened.close()
  })

  it('adds what the newest good backup holds beyond the salvage, without duplicates', async () => {
    const { store, path } = await openTempStore()
    fill(store, 0, 30)
    await store.backupIfDue(day(1))
    // After the backup: one more conversation, and one deleted (the backup still has it).
    const deleted = store.listConversations({ limit: 500 }).at(-1)!
    store.deleteConversation(deleted.id)
    fill(store, 30, 1)
    const before = contents(store)
    store.close()
    // Everything but the header is lost: nothing can be salvaged.
    overwritePages(path, 0, statSync(path).size)
    writeFileSync(path, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(84, 0xff)]), {
      flag: 'r+',
    })

    const reopened = await HistoryStore.open(path, { clock: startedClock() })
    expect(noticeWords(reopened.notices)[0]).toMatch(/recovered 30 conversations from the backup of 2024-05-01;/)
    const after = contents(reopened)
    expect(after.size).toBe(30)
    // The conversation added after the backup is lost; the deleted one comes back with the others.
    expect([...after.keys()].filter((id) => !before.has(id))).toEqual([deleted.id])
    for (const [id, turns] of after) if (before.has(id)) expect(turns).toEqual(before.get(id))
    reopened.close()
  })

  it('merges salvage and backup: a conversation lost on damaged pages comes back from the backup', async () => {
    const { store, path } = await openTempStore()
    fill(store, 0, 40)
    await store.backupIfDue(day(1))
    const expected = contents(store)
    store.close()
    overwritePages(path, 0.4, 32 * 1024)
    requestRecheck(path, ['damaged'])

    const reopened = await HistoryStore.open(path, { clock: startedClock() })
    // The damage cut some conversations short; the backup (taken after the last change) completes them.
    expect(noticeWords(reopened.notices)[0]).toMatch(
      /recovered 40 conversations from the damaged file \(\d+ conversations? the damage had cut short came back whole from the backup of 2024-05-01\)/,
    )
    expect(contents(reopened)).toEqual(expected)
    reopened.close()
  })

  it('starts empty only when nothing reads and there is no backup, and says so', async () => {
    const { store, path } = await openTempStore()
    fill(store, 0, 3)
    store.close()
    writeFileSync(path, 'not a database at all')
    const reopened = await HistoryStore.open(path, { clock: startedClock() })
    expect(reopened.listConversations()).toEqual([])
    expect(noticeWords(reopened.notices)[0]).toMatch(
      /nothing in it could be recovered \(there is no backup yet\).*kept, not deleted/,
    )
    expect(readdirSync(dirname(path)).some((name) => name.includes('.corrupt-'))).toBe(true)
    expect(readdirSync(join(dirname(path)))).not.toContain('backups')
    reopened.close()
  })
})

describe('a history file of zero bytes', () => {
  it('counts as lost: set aside, completed from the newest backup, and the user told', async () => {
    const { store, path } = await openTempStore()
    fill(store, 0, 4)
    await store.backupIfDue(day(1))
    store.close()
    for (const companion of ['-wal', '-shm']) writeFileSync(path + companion, '')
    writeFileSync(path, '')
    const reopened = await HistoryStore.open(path, { clock: startedClock() })
    expect(noticeWords(reopened.notices)[0]).toMatch(
      /recovered 4 conversations from the backup of 2024-05-01;.*kept, not deleted/,
    )
    expect(reopened.listConversations()).toHaveLength(4)
    expect(readdirSync(dirname(path)).filter((name) => name.includes('.corrupt-'))).toContain(
      'history.sqlite.corrupt-2024-05-01T12-00-00-000Z',
    )
    reopened.close()
  })
})

describe('restoring a daily backup from Settings', () => {
  it('lists the backups newest first and adds back what the history lost since, replacing nothing', async () => {
    const { store, path } = await openTempStore()
    fill(store, 0, 3)
    await store.backupIfDue(day(1))
    fill(store, 3, 2)
    await store.backupIfDue(day(2))
    const all = contents(store)
    // Lost since: one deleted, one renamed (the user's change must stay), one new one only the history has.
    const [newest, , , , oldest] = store.listConversations({ limit: 10 })
    store.deleteConversation(oldest!.id)
    store.renameConversation(newest!.id, 'renamed since')
    fill(store, 5, 1)
    let changes = 0
    const handlers = historyHandlers(store, () => changes++)

    expect(await handlers['history:backups']()).toEqual([
      { date: '2024-05-02', conversations: 5 },
      { date: '2024-05-01', conversations: 3 },
    ])
    expect(await handlers['history:restore-backup']('2024-05-02')).toEqual({ added: 1, completed: 0, copies: 0 })
    expect(changes).toBe(1)
    expect(store.getConversation(oldest!.id)?.turns.map((t) => t.prompt)).toEqual(all.get(oldest!.id)!.map((t) => t[0]))
    expect(store.getConversation(newest!.id)?.title).toBe('renamed since')
    expect(store.listConversations({ limit: 10 })).toHaveLength(6)
    // Restoring again adds nothing.
    expect(await handlers['history:restore-backup']('2024-05-02')).toEqual({ added: 0, completed: 0, copies: 0 })
    await expect(handlers['history:restore-backup']('2024-04-30')).rejects.toThrow('There is no backup of 2024-04-30.')
    // No copy of the backup is left behind.
    expect(readdirSync(join(dirname(path), 'backups')).sort()).toEqual([
      'history-2024-05-01.sqlite',
      'history-2024-05-02.sqlite',
    ])
    store.close()
  })

  it('refuses a damaged backup and changes nothing', async () => {
    const { store, path } = await openTempStore()
    fill(store, 0, 20)
    await store.backupIfDue(day(1))
    const backup = join(dirname(path), 'backups', 'history-2024-05-01.sqlite')
    overwritePages(backup, 0.5, 16 * 1024)
    const handlers = historyHandlers(store, () => {})
    const before = contents(store)
    await expect(handlers['history:restore-backup']('2024-05-01')).rejects.toThrow(/backup of 2024-05-01 is damaged/)
    expect(contents(store)).toEqual(before)
    store.close()
  })
})
