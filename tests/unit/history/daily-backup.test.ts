import { readdirSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { addAnsweredTurn, openTempStore } from './temp-history'

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
})
