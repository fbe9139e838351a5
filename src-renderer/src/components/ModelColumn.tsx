import { memo, useCallback, useSyncExternalStore } from 'react'
import { useServices } from '../app-services'
import { t } from '../i18n'
import { MarkdownView } from './MarkdownView'

interface ModelColumnProps {
  streamId: string
  modelId: string
  label: string
  onStop(streamId: string, modelId: string): void
}

/** One model's answer. Subscribed to its own column only, so other columns' deltas never render it. */
export const ModelColumn = memo(function ModelColumn({ streamId, modelId, label, onStop }: ModelColumnProps) {
  const { streams } = useServices()
  const subscribe = useCallback(
    (listener: () => void) => streams.subscribeColumn(streamId, modelId, listener),
    [streams, streamId, modelId],
  )
  const column = useSyncExternalStore(subscribe, () => streams.getColumn(streamId, modelId))
  const status = column?.status ?? 'streaming'
  const streaming = status === 'streaming'
  const text = column?.text ?? ''
  const usage = column?.usage

  return (
    <section
      className="column"
      data-testid={`column-${modelId}`}
      data-status={status}
      data-stream-id={streamId}
      aria-label={label}
    >
      <header className="column-header">
        <h3 className="column-title" title={modelId}>
          {label}
        </h3>
        <span className="column-status" data-status={status} aria-live="polite">
          {streaming && <span className="spinner" aria-hidden="true" />}
          {t.columnStatus[status]}
        </span>
        {streaming && (
          <button
            type="button"
            className="button small"
            data-testid="column-stop"
            aria-label={t.stopModel(label)}
            onClick={() => onStop(streamId, modelId)}
          >
            {t.stop}
          </button>
        )}
      </header>
      {column?.stalled && (
        <p className="column-stalled" data-testid="column-stalled">
          {t.stalled}
        </p>
      )}
      <MarkdownView text={text} done={!streaming} />
      {status === 'complete' && text === '' && <p className="muted">{t.emptyAnswer}</p>}
      {status === 'error' && (
        <div className="column-error" data-testid="column-error">
          <strong>{t.errorTitle}</strong>
          <p>
            {column?.error ? (
              <>
                <code>{column.error.code}</code> {column.error.message}
              </>
            ) : (
              t.columnStatus.error
            )}
          </p>
        </div>
      )}
      {usage && (usage.inputTokens !== undefined || usage.outputTokens !== undefined) && (
        <footer className="column-usage">{t.usage(usage.inputTokens, usage.outputTokens)}</footer>
      )}
    </section>
  )
})
