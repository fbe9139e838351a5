import { useCallback, useEffect, useState } from 'react'
import type { HistoryBackup } from '../../../../src-main/shared/ipc-contract'
import { useServices } from '../../app-services'
import { useStrings } from '../../i18n'

/** "History backups": the daily copies, and restoring what one holds that the history lacks. */
export function BackupsSection() {
  const t = useStrings()
  const { client } = useServices()
  const [backups, setBackups] = useState<HistoryBackup[]>()
  const [restoring, setRestoring] = useState<string>()
  const [outcome, setOutcome] = useState<{ text: string; failed: boolean }>()

  const load = useCallback(async () => {
    const attempt = await client.attempt('history:backups')
    setBackups(attempt.ok ? attempt.result : [])
  }, [client])
  useEffect(() => void load(), [load])

  const restore = async (date: string) => {
    setRestoring(date)
    setOutcome(undefined)
    const attempt = await client.attempt('history:restore-backup', date)
    setRestoring(undefined)
    setOutcome(
      attempt.ok
        ? {
            text: t.backups.restored(date, attempt.result.added, attempt.result.completed, attempt.result.copies),
            failed: false,
          }
        : { text: t.backups.failed(attempt.message), failed: true },
    )
  }

  return (
    <section className="settings-section" data-testid="backups">
      <h3>{t.backups.title}</h3>
      <p className="muted">{t.backups.intro}</p>
      {backups?.length === 0 && <p className="muted">{t.backups.none}</p>}
      <ul className="model-list" data-testid="backup-list">
        {backups?.map(({ date, conversations }) => (
          <li key={date} className="model-row" data-testid="backup-row">
            <span>{t.backups.row(date, conversations)}</span>
            <button
              type="button"
              className="button small"
              data-testid="backup-restore"
              aria-label={t.backups.restoreLabel(date)}
              disabled={restoring !== undefined || conversations === undefined}
              onClick={() => void restore(date)}
            >
              {restoring === date ? t.backups.restoring : t.backups.restore}
            </button>
          </li>
        ))}
      </ul>
      {outcome && (
        <p
          className={outcome.failed ? 'field-error' : 'muted'}
          role={outcome.failed ? 'alert' : 'status'}
          data-testid="backup-outcome"
        >
          {outcome.text}
        </p>
      )}
    </section>
  )
}
