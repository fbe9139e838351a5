import { useCallback, useEffect, useState } from 'react'
import type { ConversationSummary, Diagnostics } from '../../../src-main/shared/ipc-contract'
import { useServices } from '../app-services'
import { useStrings } from '../i18n'
import { Drawer } from './Drawer'

// Each counter's label (under `diagnostics` in the strings) has the counter's name.
const counters = [
  'messagesReceived',
  'chunksDelivered',
  'duplicatesDropped',
  'gapsReported',
  'answersRecovered',
  'activeStreams',
  'reconnects',
] as const satisfies ReadonlyArray<keyof Diagnostics>

interface DiagnosticsPanelProps {
  onClose(): void
  /** The history's conversations, for the title of a stream's conversation (shown, never copied). */
  conversations: readonly ConversationSummary[] | undefined
  onOpenConversation(conversationId: string): void
}

export function DiagnosticsPanel({ onClose, conversations, onOpenConversation }: DiagnosticsPanelProps) {
  const t = useStrings()
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

  // For a bug report: the counters, stream and model ids, connection events and the app's own error lines; the
  // diagnostics hold no prompt or answer text, so neither can the copy.
  const [copied, setCopied] = useState(false)
  const copyReport = () => {
    if (!diagnostics) return
    const report = JSON.stringify(
      { report: 'StreamDesk diagnostics', at: new Date().toISOString(), ...diagnostics },
      null,
      2,
    )
    navigator.clipboard?.writeText(report).then(
      () => {
        setCopied(true)
        setTimeout(() => setCopied(false), 1500)
      },
      () => undefined,
    )
  }

  const titles = new Map(conversations?.map(({ id, title }) => [id, title]))
  const rejected = Object.entries(diagnostics?.rejected ?? {}).sort(([, a], [, b]) => b - a)
  return (
    <Drawer
      title={t.diagnostics.title}
      testId="diagnostics-panel"
      onClose={onClose}
      actions={
        <>
          <button
            type="button"
            className="button small"
            data-testid="diagnostics-copy"
            onClick={copyReport}
            disabled={!diagnostics}
          >
            {copied ? t.diagnostics.copied : t.diagnostics.copy}
          </button>
          <span className="visually-hidden" role="status">
            {copied ? t.diagnostics.copied : ''}
          </span>
          <button type="button" className="button small" onClick={refresh} disabled={loading}>
            {loading ? t.diagnostics.loading : t.diagnostics.refresh}
          </button>
        </>
      }
    >
      {!diagnostics ? (
        <p className="muted">{t.diagnostics.loading}</p>
      ) : (
        <>
          <section className="settings-section">
            <h3>{t.diagnostics.counters}</h3>
            <dl className="counter-grid">
              {counters.map((key) => (
                <div key={key} className="counter" data-counter={key}>
                  <dt>{t.diagnostics[key]}</dt>
                  <dd>{diagnostics[key].toLocaleString()}</dd>
                </div>
              ))}
              {diagnostics.unsavedHistoryChanges !== undefined && (
                <div className="counter" data-counter="unsavedHistoryChanges">
                  <dt>{t.diagnostics.unsavedHistoryChanges}</dt>
                  <dd>{diagnostics.unsavedHistoryChanges.toLocaleString()}</dd>
                </div>
              )}
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
            <h3>{t.diagnostics.streams}</h3>
            {diagnostics.streams.length === 0 ? (
              <p className="muted">{t.diagnostics.noStreams}</p>
            ) : (
              <table className="plain-table" data-testid="diagnostics-streams">
                <thead>
                  <tr>
                    <th scope="col">{t.diagnostics.stream}</th>
                    <th scope="col">{t.diagnostics.chunksDelivered}</th>
                    <th scope="col">{t.diagnostics.duplicatesDropped}</th>
                    <th scope="col">{t.diagnostics.gapsReported}</th>
                  </tr>
                </thead>
                <tbody>
                  {diagnostics.streams.map((s) => (
                    <tr key={`${s.streamId} ${s.modelId}`}>
                      <th scope="row">
                        <code>{s.streamId.slice(0, 8)}</code> {s.modelId}
                        <StreamConversation
                          conversationId={s.conversationId}
                          title={titles.get(s.conversationId ?? '')}
                          onOpen={onOpenConversation}
                        />
                      </th>
                      <td>{s.chunksDelivered.toLocaleString()}</td>
                      <td>{s.duplicatesDropped.toLocaleString()}</td>
                      <td>{s.gapsReported.toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <LogList
            title={t.diagnostics.connectionEvents}
            empty={t.diagnostics.noConnectionEvents}
            lines={diagnostics.connectionEvents}
          />
          <LogList title={t.diagnostics.lastErrors} empty={t.diagnostics.noErrors} lines={diagnostics.lastErrors} />
        </>
      )}
    </Drawer>
  )
}

/** The stream's conversation as a link that opens it (its title when the list has it loaded). */
function StreamConversation(props: {
  conversationId?: string | undefined
  title?: string | undefined
  onOpen(id: string): void
}) {
  const t = useStrings()
  const { conversationId, title, onOpen } = props
  if (!conversationId) return null
  return (
    <>
      {' · '}
      <button
        type="button"
        className="link-button"
        data-testid="diagnostics-open-conversation"
        onClick={() => onOpen(conversationId)}
      >
        {title ?? t.diagnostics.openConversation}
      </button>
    </>
  )
}

function LogList({ title, empty, lines }: { title: string; empty: string; lines: string[] }) {
  return (
    <section className="settings-section">
      <h3>{title}</h3>
      {lines.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ol className="error-list">
          {lines.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ol>
      )}
    </section>
  )
}
