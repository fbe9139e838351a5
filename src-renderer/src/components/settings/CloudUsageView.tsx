import { useCallback, useEffect, useState } from 'react'
import type { CloudUsageResult } from '../../../../src-main/shared/ipc-contract'
import { useServices } from '../../app-services'
import { useStrings } from '../../i18n'

/**
 * The signed-in user's token usage against the budgets the deployer set (the backend's spend guard), read when the
 * section opens and on Refresh. Local mode, a backend without budgets or one that cannot be reached says so.
 */
export function CloudUsageView() {
  const t = useStrings()
  const { client } = useServices()
  const [result, setResult] = useState<CloudUsageResult>()
  const [loading, setLoading] = useState(false)

  const refresh = useCallback(async () => {
    setLoading(true)
    const next = await client.call('cloud:usage')
    setLoading(false)
    if (next) setResult(next)
  }, [client])

  useEffect(() => {
    void refresh()
  }, [refresh])

  const count = (n: number) => n.toLocaleString(t.locale)
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  return (
    <div className="cloud-usage" data-testid="cloud-usage">
      <h4>{t.cloud.usageTitle}</h4>
      {result === undefined ? (
        <p className="muted">{loading ? t.cloud.usageLoading : ''}</p>
      ) : result.ok ? (
        <>
          <ul className="summary-list" data-testid="cloud-usage-figures">
            <li>{t.cloud.usageDay(count(result.usage.dayTokens), count(result.usage.limits.dailyTokens))}</li>
            <li>
              {t.cloud.usageMonth(
                count(result.usage.monthTokens),
                count(result.usage.limits.monthlyTokens),
                date(result.usage.monthResetsAt),
              )}
            </li>
            <li>{t.cloud.usageStreams(count(result.usage.limits.concurrentStreams))}</li>
          </ul>
          <p className="field-help muted">{t.cloud.usageNote}</p>
        </>
      ) : (
        <p className="muted" data-testid="cloud-usage-unavailable">
          {result.message}
        </p>
      )}
      <button type="button" className="button small" disabled={loading} onClick={() => void refresh()}>
        {t.cloud.usageRefresh}
      </button>
    </div>
  )
}
