import { existsSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { recheckMarkerPath, requestRecheck } from '../../../src-main/core/history/open-history-database'
import { addLongConversations, openTempStore, overwritePages, startedClock, tempHistoryPath } from './temp-history'
import { noticeWords } from '../../support/notice-words'

const ASIDE = 'history.sqlite.corrupt-2024-05-01T12-00-00-000Z'

describe('a damaged history file', () => {
  it('is moved aside with its -wal and -shm files, a new history starts, and the user is told', async () => {
    const path = tempHistoryPath()
    writeFileSync(path, 'These are my notes, not a database. '.repeat(200))
    writeFileSync(`${path}-wal`, 'wal bytes')
    writeFileSync(`${path}-shm`, 'shm bytes')
    const original = readFileSync(path)

    const store = await HistoryStore.open(path, { clock: startedClock() })
    expect(store.notices).toHaveLength(1)
    expect(noticeWords(store.notices)[0]).toMatch(/could not be read because the file is damaged/)
    expect(noticeWords(store.notices)[0]).toContain(join(dirname(path), ASIDE))
    expect(noticeWords(store.notices)[0]).toMatch(/kept, not deleted/)
    // Nothing deleted: the three files are there under the new name, byte for byte.
    expect(readFileSync(join(dirname(path), ASIDE)).equals(original)).toBe(true)
    expect(readFileSync(join(dirname(path), `${ASIDE}-wal`), 'utf8')).toBe('wal bytes')
    expect(readFileSync(join(dirname(path), `${ASIDE}-shm`), 'utf8')).toBe('shm bytes')
    // The new history works.
    const { id } = store.createConversation('fresh start')
    expect(store.listConversations().map((c) => c.id)).toEqual([id])
    store.close()
  })

  it('with damaged pages is found by the background check, and set aside (what reads salvaged) at the next start', async () => {
    const { store, path } = await openTempStore()
    addLongConversations(store)
    expect(await store.verifyIntegrity()).toEqual({ status: 'ok' })
    store.close()
    // Overwrite pages in the middle of the file, keeping the header and schema so that the file still opens.
    expect(statSync(path).size).toBeGreaterThan(64 * 1024)
    overwritePages(path, 0.5, 16 * 1024)
    const damaged = readFileSync(path)

    // The quick open does not read every page; the check in the worker does.
    const damagedStore = await HistoryStore.open(path, { clock: startedClock() })
    expect(damagedStore.notices).toEqual([])
    const report = await damagedStore.verifyIntegrity()
    expect(report).toMatchObject({ status: 'damaged', problems: [expect.any(String)] })
    expect(report.status === 'damaged' && report.message).toMatch(/damaged.*restarts.*nothing is deleted.*backups/s)
    damagedStore.close()

    const reopened = await HistoryStore.open(path, { clock: startedClock() })
    expect(reopened.notices).toHaveLength(1)
    expect(noticeWords(reopened.notices)[0]).toMatch(
      /recovered \d+ conversations from the damaged file.*kept, not deleted/,
    )
    expect(reopened.listConversations().length).toBeGreaterThan(0)
    expect(readFileSync(join(dirname(path), ASIDE)).equals(damaged)).toBe(true)
    expect(existsSync(recheckMarkerPath(path))).toBe(false)
    reopened.close()
  })

  it('is not assumed from a stale marker: a file that passes the full check stays in place', async () => {
    const { store, path } = await openTempStore()
    store.createConversation('still here')
    store.close()
    requestRecheck(path, ['false alarm'])
    const reopened = await HistoryStore.open(path, { clock: startedClock() })
    expect(reopened.notices).toEqual([])
    expect(reopened.listConversations().map((c) => c.title)).toEqual(['still here'])
    expect(existsSync(recheckMarkerPath(path))).toBe(false)
    reopened.close()
  })

  it('is not confused with a file another program has locked: that one is left alone and the open fails', async () => {
    const path = tempHistoryPath()
    const other = new Sqlite(path)
    other.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)')
    other.pragma('locking_mode = EXCLUSIVE')
    other.exec('BEGIN EXCLUSIVE')
    try {
      await expect(HistoryStore.open(path, { busyTimeoutMs: 50 })).rejects.toMatchObject({ code: 'SQLITE_BUSY' })
      expect(readdirSync(dirname(path)).filter((name) => name.includes('corrupt'))).toEqual([])
      expect(existsSync(path)).toBe(true)
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
  })
})
