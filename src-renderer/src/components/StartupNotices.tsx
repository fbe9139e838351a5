import { useState } from 'react'
import { useStrings } from '../i18n'

/**
 * What start-up has to say (a damaged history salvaged, a settings file set aside, a history kept in memory only):
 * shown as a toast when the window opens, and kept here, at the top of the sidebar, until the user dismisses it,
 * since a toast that fades after a few seconds is easily missed and leaves nothing to read again.
 */
export function StartupNotices({ notices }: { notices: readonly string[] | undefined }) {
  const t = useStrings()
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set())
  const shown = (notices ?? []).filter((notice) => !dismissed.has(notice))
  if (shown.length === 0) return null
  return (
    <ul className="startup-notices" data-testid="startup-notices" aria-label={t.history.startupNoticesLabel}>
      {shown.map((notice) => (
        <li key={notice} className="startup-notice" data-testid="startup-notice">
          <span>{notice}</span>
          <button
            type="button"
            className="icon-button"
            data-testid="startup-notice-dismiss"
            aria-label={t.history.dismissNotice}
            title={t.history.dismissNotice}
            onClick={() => setDismissed((before) => new Set(before).add(notice))}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  )
}
