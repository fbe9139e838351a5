import type { Notice } from '../../shared/ipc-contract'
import type { Clock, TimerHandle } from '../../lib/clock'
import { HistoryStore } from './history-store'

export interface OpenedHistory {
  store: HistoryStore
  /** For the user, from start-up: a damaged file set aside, answers cut off by the last exit, no history at all. */
  notices: string[]
  /** The daily backup (checked hourly) and the one integrity check after start-up. */
  startMaintenance(options: { clock: Clock; notify: (notice: Notice) => void }): { stop(): void }
}

const BACKUP_CHECK_MS = 60 * 60 * 1000

/**
 * Opens the history for the app. If the file cannot be opened at all (a folder without write access, say), the
 * app still starts, with an in-memory history for this session and a notice saying so: it never refuses to run.
 */
export async function openHistory(filePath: string, clock: Clock): Promise<OpenedHistory> {
  const notices: string[] = []
  let store: HistoryStore
  try {
    store = await HistoryStore.open(filePath, { clock })
  } catch (error) {
    store = await HistoryStore.open(':memory:', { clock })
    notices.push(
      `History could not be opened (${(error as Error).message}); conversations of this session will not be kept.`,
    )
  }
  notices.push(...store.notices)
  const interrupted = store.markInterruptedOnStartup()
  if (interrupted > 0) {
    notices.push(
      `${interrupted === 1 ? 'One answer was' : `${interrupted} answers were`} cut off when StreamDesk last closed; ` +
        'what arrived is kept and marked as interrupted.',
    )
  }
  return {
    store,
    notices,
    startMaintenance({ clock, notify }) {
      if (store.filePath === ':memory:') return { stop() {} }
      let timer: TimerHandle | undefined
      let stopped = false
      const backup = () => {
        store
          .backupIfDue()
          .catch((error: unknown) =>
            notify({ level: 'warning', message: `The daily history backup failed: ${(error as Error).message}` }),
          )
        if (!stopped) timer = clock.setTimeout(backup, BACKUP_CHECK_MS)
      }
      backup()
      void store.verifyIntegrity().then((report) => {
        if (report.status === 'damaged' && !stopped) notify({ level: 'error', message: report.message })
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
