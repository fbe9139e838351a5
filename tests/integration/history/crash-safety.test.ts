/**
 * A child process streams an answer into the history store and is killed with SIGKILL mid-answer, at several
 * moments. The store must come back intact, with the answer's text so far marked interrupted: everything the
 * child had committed before it died, and nothing that was not streamed. (That a commit comes at least once per
 * write interval, so a crash loses at most one interval, is the writer's unit test, on its manual clock: a loaded
 * machine delays this child's timers and would make a wall-clock bound here measure the load.)
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import Sqlite from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { DEFAULT_WRITE_INTERVAL_MS } from '../../../src-main/core/history/answer-writer'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { openHistory } from '../../../src-main/core/history/open-history'
import { systemClock } from '../../../src-main/lib/clock'
import { deltasInPrefix } from './streamed-text'
import { makeTempDirSync } from '../../support/temp-dir'

const repoRoot = resolve(import.meta.dirname, '../../..')
const child = resolve(import.meta.dirname, 'stream-into-store.ts')
interface KilledRun {
  conversationId: string
  /** Child-side time (ms since streaming began) at which each delta count was reached. */
  sentAt: Map<number, number>
  lastSent: number
  lastSentAt: number
  /** The most deltas a transaction the child reported as committed held, and how many it reported. */
  lastCommitted: number
  commits: number
}

/**
 * Starts the child, lets it stream for `streamMs` (by its own clock), runs `beforeKill` (while the child still
 * streams), then kills it with SIGKILL.
 */
function streamThenKill(dbPath: string, streamMs: number, beforeKill?: () => Promise<void>): Promise<KilledRun> {
  return new Promise((resolvePromise, reject) => {
    // `node --import tsx` keeps it one process (the tsx CLI would spawn a grandchild that SIGKILL would miss).
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dbPath], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const run: KilledRun = {
      conversationId: '',
      sentAt: new Map(),
      lastSent: 0,
      lastSentAt: 0,
      lastCommitted: 0,
      commits: 0,
    }
    let stderr = ''
    let killed = false
    proc.stderr.on('data', (data: Buffer) => (stderr += data.toString()))
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const [kind, a, b] = line.split(' ')
      if (kind === 'ready') run.conversationId = a!
      if (kind === 'committed' && !killed) {
        run.lastCommitted = Number(a)
        run.commits += 1
      }
      if (kind !== 'sent' || killed) return
      run.lastSent = Number(a)
      run.lastSentAt = Number(b)
      run.sentAt.set(run.lastSent, run.lastSentAt)
      if (run.lastSentAt >= streamMs) {
        killed = true
        const kill = () => proc.kill('SIGKILL')
        if (!beforeKill) kill()
        else beforeKill().then(kill, (error: unknown) => (kill(), reject(error)))
      }
    })
    proc.on('error', reject)
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolvePromise(run)
      else reject(new Error(`child exited early (code ${code}, signal ${signal}): ${stderr}`))
    })
  })
}

describe('history crash safety', () => {
  it.each([150, 700, 1_600])(
    'keeps the streamed text, marked interrupted, after SIGKILL at %i ms',
    async (streamMs) => {
      const dbPath = join(makeTempDirSync('crash'), 'history.sqlite')
      const run = await streamThenKill(dbPath, streamMs)
      // Killed, not closed: the WAL was never checkpointed, so reopening exercises WAL recovery.
      expect(existsSync(`${dbPath}-wal`)).toBe(true)

      const raw = new Sqlite(dbPath)
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
      raw.close()

      const store = await HistoryStore.open(dbPath)
      expect(store.notices).toEqual([])
      expect(store.markInterruptedOnStartup()).toBe(1)
      const answer = store.getConversation(run.conversationId)!.turns[0]!.answers[0]!
      expect(answer.status).toBe('interrupted')
      expect(answer.text.length).toBeGreaterThan(0)

      // Exactly a prefix of what was streamed, in whole deltas...
      const saved = deltasInPrefix(answer.text)
      expect(saved).toBeDefined()
      // ...holding at least everything the child had committed before it died (SIGKILL loses no committed write).
      expect(run.lastCommitted).toBeGreaterThan(0)
      expect(saved!).toBeGreaterThanOrEqual(run.lastCommitted)
      // It committed as it streamed, by its own clock: the first delta at once, then one batch per interval, here
      // allowed twice the interval (a loaded machine delays the child's timers; the exact pace is the unit test's).
      expect(run.commits).toBeGreaterThanOrEqual(1 + Math.floor(run.lastSentAt / (2 * DEFAULT_WRITE_INTERVAL_MS)))
      console.info(
        `killed at ${run.lastSentAt} ms: ${run.lastSent} deltas sent, ${run.commits} commits (the last of ${run.lastCommitted}), ${saved} saved` +
          (saved! < run.lastSent
            ? ` (the last saved one sent ${run.lastSentAt - run.sentAt.get(saved!)!} ms before)`
            : ''),
      )
      // And the store is fully usable again.
      expect(store.search('token-0').hits).toHaveLength(1)
      store.close()
    },
  )

  it('refuses a second store while another process streams into the file, and opens it once that process is gone', async () => {
    const dbPath = join(makeTempDirSync('crash'), 'history.sqlite')
    const run = await streamThenKill(dbPath, 300, async () => {
      await expect(HistoryStore.open(dbPath)).rejects.toThrow(/already open in another StreamDesk process/)
      const second = await openHistory(dbPath, systemClock)
      expect(second.store.filePath).toBe(':memory:')
      second.store.close()
    })
    // Killed: the operating system dropped its lock, so no stale lock is left to refuse this open.
    const store = await HistoryStore.open(dbPath)
    expect(store.markInterruptedOnStartup()).toBe(1)
    const answer = store.getConversation(run.conversationId)!.turns[0]!.answers[0]!
    expect(deltasInPrefix(answer.text)).toBeGreaterThan(0)
    store.close()
  })
})
