import { useCallback, useEffect, useState } from 'react'
import type { Diagnostics } from '../../../src-main/shared/ipc-contract'
import { useServices } from '../app-services'
import { t } from '../i18n'
import { Drawer } from './Drawer'

const counters = [
  ['messagesReceived', t.diagnostics.messagesReceived],
  ['chunksDelivered', t.diagnostics.chunksDelivered],
  ['duplicatesDropped', t.diagnostics.duplicatesDropped],
  ['gapsReported', t.diagnostics.gapsReported],
  ['activeStreams', t.diagnostics.activeStreams],
] as const satisfies ReadonlyArray<readonly [keyof Diagnostics, string]>

export function DiagnosticsPanel({ onClose }: { onClose(): void }) {
  const { client } = useServices()
  const [diagnostics, setDiagnostics] = useState<Diagnostics>()
  const [loading, setLoading] = useState(false)

  const refresh = useCallback(async () => {
    setLoading(true)
    const next = await client.call('diagnostics:get')
    setLoading(false)
    if (next) setDiagnostics(next)
  }, [client])

  useEffect(() => {
    void refresh()
  }, [refresh])

  const rejected = Object.entries(diagnostics?.rejected ?? {}).sort(([, a], [, b]) => b - a)
  return (
    <Drawer
      title={t.diagnostics.title}
      testId="diagnostics-panel"
      onClose={onClose}
      actions={
        <button type="button" className="button small" onClick={refresh} disabled={loading}>
          {loading ? t.diagnostics.loading : t.diagnostics.refresh}
        </button>
      }
    >
      {!diagnostics ? (
        <p className="muted">{t.diagnostics.loading}</p>
      ) : (
        <>
          <section className="settings-section">
            <h3>{t.diagnostics.counters}</h3>
            <dl className="counter-grid">
              {counters.map(([key, label]) => (
                <div key={key} className="counter" data-counter={key}>
                  <dt>{label}</dt>
                  <dd>{diagnostics[key].toLocaleString()}</dd>
                </div>
              ))}
            </dl>
          </section>
          <section className="settings-section">
            <h3>{t.diagnostics.rejected}</h3>
            {rejected.length === 0 ? (
              <p className="muted">{t.diagnostics.noneRejected}</p>
            ) : (
              <table className="plain-table">
                <tbody>
                  {rejected.map(([reason, count]) => (
                    <tr key={reason} data-reason={reason}>
                      <th scope="row">{reason}</th>
                      <td>{count.toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section className="settings-section">
            <h3>{t.diagnostics.lastErrors}</h3>
            {diagnostics.lastErrors.length === 0 ? (
              <p className="muted">{t.diagnostics.noErrors}</p>
            ) : (
              <ol className="error-list">
                {diagnostics.lastErrors.map((error, i) => (
                  <li key={i}>{error}</li>
                ))}
              </ol>
            )}
          </section>
        </>
      )}
    </Drawer>
  )
}
