import type { ModelCheck } from '../../../src-main/shared/ipc-contract'
import type { UserMessage } from '../../../src-main/shared/user-message'
import { useStrings } from '../i18n'
import { messageText } from '../i18n/main-message'
import { CommandHint } from './CommandHint'
import { MainMessage } from './MainMessage'

interface EndpointBannerProps {
  checks: readonly ModelCheck[]
  labelOf(modelId: string): string
  checking: boolean
  onRecheck(): void
  onOpenSettings(): void
  onDismiss(): void
}

/** Shown when none of the selected models answered `models:check`: what happened and what to run. */
export function EndpointBanner(props: EndpointBannerProps) {
  const t = useStrings()
  const { checks, labelOf, checking, onRecheck, onOpenSettings, onDismiss } = props
  return (
    <div className="endpoint-banner" data-testid="endpoint-banner" role="alert">
      <div className="endpoint-banner-body">
        <strong>{t.banner.title}</strong>
        <ul>
          {groupByProblem(checks).map(({ message, hint, modelIds }) => (
            <li key={modelIds.join('\n')}>
              <span className="endpoint-models">{modelIds.map(labelOf).join(', ')}:</span>{' '}
              <MainMessage message={message} />
              {hint && (
                <div className="endpoint-hint">
                  <CommandHint hint={messageText(t, hint)} />
                </div>
              )}
            </li>
          ))}
        </ul>
      </div>
      <div className="endpoint-banner-actions">
        <button type="button" className="button small" onClick={onRecheck} disabled={checking}>
          {checking ? t.settings.checking : t.banner.checkAgain}
        </button>
        <button type="button" className="button small ghost" onClick={onOpenSettings}>
          {t.banner.openSettings}
        </button>
        <button type="button" className="icon-button" aria-label={t.banner.dismiss} onClick={onDismiss}>
          ×
        </button>
      </div>
    </div>
  )
}

/** Models that failed the same way (typically: the local server is not running) share one line. */
function groupByProblem(checks: readonly ModelCheck[]) {
  const groups = new Map<string, { message: UserMessage; hint?: UserMessage | undefined; modelIds: string[] }>()
  for (const check of checks) {
    const key = JSON.stringify([check.message, check.hint ?? null])
    const group = groups.get(key) ?? { message: check.message, hint: check.hint, modelIds: [] }
    group.modelIds.push(check.modelId)
    groups.set(key, group)
  }
  return [...groups.values()]
}
