import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { addAnsweredTurn, addLongConversations, openTempStore, overwritePages, startedClock } from './temp-history'

/** Local noon on 2024-05-<day>: backup names use the local calendar date. */
const day = (d: number) => new Date(2024, 4, d, 12)

describe('daily rolling backup', () => {
  it('writes one consistent copy per day, into backups/ next to the file', async () => {
    const { store, path } = await openTempStore()
    const { id } = store.createConversation('kept')
    addAnsweredTurn(store, id, 'kept', 's1', ['answer in the backup'])

    const written = await store.backupIfDue(day(1))
    expect(written).toBe(join(dirname(path), 'backups', 'history-2024-05-01.sqlite'))
    // Later the same day: nothing new, even though the history changed.
    addAnsweredTurn(store, id, 'later', 's2', ['not in the backup'])
    expect(await store.backupIfDue(new Date(2024, 4, 1, 23, 59))).toBeUndefined()

    const copy = new Sqlite(written!, { readonly: true })
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok')
    expect(copy.prepare('SELECT text FROM answers').pluck().all()).toEqual(['answer in the backup'])
    copy.close()
    store.close()
  })

  it('keeps the last 7 days and leaves other files in the folder alone', async () => {
    const { store, path } = await openTempStore()
    const backups = join(dirname(path), 'backups')
    mkdirSync(backups)
    writeFileSync(join(backups, 'my-own-copy.sqlite'), 'mine')
    // A copy cut short by a crash is replaced, not kept as if it were complete.
    writeFileSync(join(backups, 'history-2024-05-03.sqlite.partial'), 'half')

    for (let d = 1; d <= 10; d++) expect(await store.backupIfDue(day(d))).toMatch(/history-2024-05-\d\d\.sqlite$/)

    expect(readdirSync(backups).sort()).toEqual([
      'history-2024-05-04.sqlite',
      'history-2024-05-05.sqlite',
      'history-2024-05-06.sqlite',
      'history-2024-05-07.sqlite',
      'history-2024-05-08.sqlite',
      'history-2024-05-09.sqlite',
      'history-2024-05-10.sqlite',
      'my-own-copy.sqlite',
    ])
    store.close()
  })

  it("does not copy a damaged file that still opens into the day's backup, and keeps the earlier ones", async () => {
    const { store, path } = await openTempStore()
    addLongConversations(store)
    const good = await store.backupIfDue(day(1))
    store.close()
    // Random bytes over pages in the middle of the file; header and schema intact, so the file still opens.
    expect(statSync(path).size).toBeGreaterThan(64 * 1024)
    const noise = Buffer.from(Array.from({ length: 16 * 1024 }, () => Math.floor(Math.random() * 256)))
    overwritePages(path, 0.5, noise.length, noise)

    const damaged = await HistoryStore.open(path, { clock: startedClock() })
    expect(damaged.notices).toEqual([])
    await expect(damaged.backupIfDue(day(2))).rejects.toThrow(/failed its check.*no backup was taken/)
    damaged.close()
    const backups = join(dirname(path), 'backups')
    expect(readdirSync(backups)).toEqual(['history-2024-05-01.sqlite'])
    expect(existsSync(good!)).toBe(true)
  })

  it('never deletes the last good backup because of newer empty ones', async () => {
    const { store, path } = await openTempStore()
    const { id } = store.createConversation('the one worth keeping')
    addAnsweredTurn(store, id, 'prompt', 's1', ['answer'])
    await store.backupIfDue(day(1))
    // As after a reset: the history is empty from now on, and is backed up empty every day.
    store.deleteConversation(id)
    for (let d = 2; d <= 12; d++) await store.backupIfDue(day(d))
    store.close()

    const names = readdirSync(join(dirname(path), 'backups')).sort()
    expect(names).toEqual([
      'history-2024-05-01.sqlite',
      ...[6, 7, 8, 9, 10, 11, 12].map((d) => `history-2024-05-${String(d).padStart(2, '0')}.sqlite`),
    ])
    const copy = new Sqlite(join(dirname(path), 'backups', names[0]!), { readonly: true })
    expect(copy.prepare('SELECT title FROM conversations').pluck().all()).toEqual(['the one worth keeping'])
    copy.close()
  })

  it('lets a good backup go once a newer good one exists', async () => {
    const { store, path } = await openTempStore()
    const { id } = store.createConversation('first')
    await store.backupIfDue(day(1))
    store.deleteConversation(id)
    for (let d = 2; d <= 8; d++) await store.backupIfDue(day(d))
    store.createConversation('second')
    await store.backupIfDue(day(9))
    store.close()
    const names = readdirSync(join(dirname(path), 'backups')).sort()
    expect(names).toHaveLength(7)
    expect(names[0]).toBe('history-2024-05-03.sqlite')
  })
})
