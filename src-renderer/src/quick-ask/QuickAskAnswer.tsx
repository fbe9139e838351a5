import { ColumnActions } from '../components/ColumnActions'
import { MarkdownView } from '../components/MarkdownView'
import { useStreamColumn } from '../hooks/use-stream-column'
import { useStrings } from '../i18n'
import { streamErrorText } from '../i18n/main-message'
import { isOpenStatus } from '../../../src-main/shared/answer'

/**
 * The asked model's answer, live from the stream store, as markdown: the same rendering and the same Copy as a
 * main-window column.
 */
export function QuickAskAnswer({ streamId, modelId, label }: { streamId: string; modelId: string; label: string }) {
  const t = useStrings()
  const column = useStreamColumn(streamId, modelId)
  const status = column?.status ?? 'streaming'
  const text = column?.text ?? ''
  return (
    <section className="quick-ask-answer" data-testid="quick-ask-answer" data-status={status} data-stream-id={streamId}>
      <MarkdownView text={text} done={!isOpenStatus(status)} />
      {status !== 'complete' && (
        <p className="quick-ask-status muted" aria-live="polite">
          {status === 'streaming' && <span className="spinner" aria-hidden="true" />} {t.columnStatus[status]}
          {status === 'queued' && ` ${t.queuedNote}`}
        </p>
      )}
      {status === 'complete' && text === '' && <p className="muted">{t.emptyAnswer}</p>}
      {!isOpenStatus(status) && text !== '' && <ColumnActions label={label} text={text} done />}
      {status === 'error' && (
        <p className="quick-ask-error" role="alert">
          {column?.error ? (
            <>
              {streamErrorText(t, column.error.code)}{' '}
              <span className="muted message-detail">
                {t.mainMessage.streamDetail} {column.error.message}
              </span>
            </>
          ) : (
            t.errorTitle
          )}
        </p>
      )}
    </section>
  )
}
