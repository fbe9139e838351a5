import type { Notice } from '../../shared/ipc-contract'
import type { Clock, TimerHandle } from '../../lib/clock'
import { existsSync } from 'node:fs'
import { HistoryStore } from './history-store'
import { HistoryInUseError } from './history-lock'
import { writeFailureOf, writeFailureReason } from './describe-write-error'
import { userMessage, type UserMessage } from '../../shared/user-message'

export interface OpenedHistory {
  store: HistoryStore
  /** For the user, from start-up: a damaged file set aside, answers cut off by the last exit, no history at all. */
  notices: UserMessage[]
  /** The daily backup (checked hourly) and the one integrity check after start-up. */
  startMaintenance(options: { clock: Clock; notify: (notice: Notice) => void }): { stop(): void }
}

const BACKUP_CHECK_MS = 60 * 60 * 1000

/**
 * Opens the history for the app. If the file cannot be opened for writing (a full disk, say), it is opened
 * read-only: readable, searchable and exportable, with a notice saying why nothing new is kept. If it cannot be
 * opened at all, the app still starts, with an in-memory history for this session and a notice saying so: it
 * never refuses to run.
 */
export async function openHistory(filePath: string, clock: Clock): Promise<OpenedHistory> {
  const notices: UserMessage[] = []
  let store: HistoryStore
  try {
    store = await HistoryStore.open(filePath, { clock })
  } catch (error) {
    const readOnly = await openReadOnly(filePath, clock, error)
    if (readOnly) {
      store = readOnly
      notices.push(openFailureNotice('history:opened-read-only', error))
    } else {
      store = await HistoryStore.open(':memory:', { clock })
      notices.push(openFailureNotice('history:not-opened', error))
    }
  }
  notices.push(...store.notices)
  const interrupted = store.markInterruptedOnStartup()
  if (interrupted > 0) {
    notices.push(userMessage('history:interrupted', { count: interrupted }))
  }
  return {
    store,
    notices,
    startMaintenance({ clock, notify }) {
      if (store.filePath === ':memory:' || store.readOnly) return { stop() {} }
      let timer: TimerHandle | undefined
      let stopped = false
      const backup = () => {
        store
          .backupIfDue()
          .catch((error: unknown) =>
            notify({ level: 'warning', message: userMessage('history:backup-failed', {}, (error as Error).message) }),
          )
        if (!stopped) timer = clock.setTimeout(backup, BACKUP_CHECK_MS)
      }
      backup()
      void store.verifyIntegrity().then((report) => {
        if (report.status === 'damaged' && !stopped)
          notify({ level: 'error', message: userMessage('history:damaged', { backupDir: store.backupDir }) })
      })
      return {
        stop() {
          stopped = true
          if (timer !== undefined) clock.clearTimeout(timer)
        },
      }
    },
  }
}

/** The file opened read-only after opening it to write failed; undefined when that fails too (or cannot help). */
async function openReadOnly(filePath: string, clock: Clock, error: unknown): Promise<HistoryStore | undefined> {
  if (error instanceof HistoryInUseError || !existsSync(filePath) || writeFailureReason(error) === undefined)
    return undefined
  try {
    return await HistoryStore.open(filePath, { clock, readOnly: true, readOnlyCause: error })
  } catch {
    return undefined
  }
}

/** Why opening failed, in words: "the disk is full", or the error's own message. */
/** Why the history could not be opened (for writing, or at all): a known reason, else the error's own words. */
function openFailureNotice(key: 'history:opened-read-only' | 'history:not-opened', error: unknown): UserMessage {
  const reason = writeFailureOf(error)
  return reason ? userMessage(key, { reason }) : userMessage(key, {}, errorText(error))
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
