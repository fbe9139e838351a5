import { useState } from 'react'
import type { UserMessage } from '../../../src-main/shared/user-message'
import { useStrings } from '../i18n'
import { MainMessage } from './MainMessage'

/**
 * What start-up has to say (a damaged history salvaged, a settings file set aside, a history kept in memory only):
 * shown as a toast when the window opens, and kept here, at the top of the sidebar, until the user dismisses it,
 * since a toast that fades after a few seconds is easily missed and leaves nothing to read again.
 */
export function StartupNotices({ notices }: { notices: readonly UserMessage[] | undefined }) {
  const t = useStrings()
  // Dismissed by position: the list is fixed for the session (start-up's).
  const [dismissed, setDismissed] = useState<ReadonlySet<number>>(new Set())
  const shown = (notices ?? []).map((notice, index) => ({ notice, index })).filter(({ index }) => !dismissed.has(index))
  if (shown.length === 0) return null
  return (
    <ul className="startup-notices" data-testid="startup-notices" aria-label={t.history.startupNoticesLabel}>
      {shown.map(({ notice, index }) => (
        <li key={index} className="startup-notice" data-testid="startup-notice">
          <span>
            <MainMessage message={notice} />
          </span>
          <button
            type="button"
            className="icon-button"
            data-testid="startup-notice-dismiss"
            aria-label={t.history.dismissNotice}
            title={t.history.dismissNotice}
            onClick={() => setDismissed((before) => new Set(before).add(index))}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  )
}
