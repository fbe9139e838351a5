import { memo } from 'react'
import { isOpenStatus, type AnswerError, type AnswerStatus, type TokenUsage } from '../../../src-main/shared/answer'
import type { StoredAnswer } from '../../../src-main/shared/ipc-contract'
import { useStrings } from '../i18n'
import { useStreamColumn } from '../hooks/use-stream-column'
import { MarkdownView } from './MarkdownView'

interface ModelColumnProps {
  streamId: string
  modelId: string
  label: string
  onStop(streamId: string, modelId: string): void
}

/** One model's live answer. Subscribed to its own column only, so other columns' deltas never render it. */
export const ModelColumn = memo(function ModelColumn({ streamId, modelId, label, onStop }: ModelColumnProps) {
  const column = useStreamColumn(streamId, modelId)
  const status = column?.status ?? 'streaming'
  return (
    <ColumnView
      streamId={streamId}
      modelId={modelId}
      label={label}
      status={status}
      text={column?.text ?? ''}
      done={!isOpenStatus(status)}
      stalled={column?.stalled === true}
      error={column?.error}
      usage={column?.usage}
      onStop={onStop}
    />
  )
})

/** One model's answer as history keeps it: complete text, rendered once. */
export const StoredModelColumn = memo(function StoredModelColumn({
  streamId,
  label,
  answer,
  onStop,
  onContinue,
}: {
  streamId: string
  label: string
  answer: StoredAnswer
  onStop(streamId: string, modelId: string): void
  onContinue(modelId: string, label: string): void
}) {
  return (
    <ColumnView
      streamId={streamId}
      modelId={answer.modelId}
      label={label}
      status={answer.status}
      text={answer.text}
      // What was stored is all there is to render now, even of an answer that was still streaming when read.
      done
      stalled={false}
      error={answer.error}
      usage={answer.usage}
      onStop={onStop}
      onContinue={() => onContinue(answer.modelId, label)}
    />
  )
})

interface ColumnViewProps {
  streamId: string
  modelId: string
  label: string
  status: AnswerStatus
  text: string
  done: boolean
  stalled: boolean
  error: AnswerError | undefined
  usage: TokenUsage | undefined
  onStop(streamId: string, modelId: string): void
  /** Only for an answer that was cut off: ask the model to go on from where it stopped. */
  onContinue?: () => void
}

function ColumnView(props: ColumnViewProps) {
  const t = useStrings()
  const { streamId, modelId, label, status, text, done, stalled, error, usage, onStop, onContinue } = props
  const stoppable = isOpenStatus(status)
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
        <span className="column-status" data-status={status} data-testid="column-status" aria-live="polite">
          {status === 'streaming' && <span className="spinner" aria-hidden="true" />}
          {status === 'queued' && <span className="queued-dot" aria-hidden="true" />}
          {t.columnStatus[status]}
        </span>
        {stoppable && (
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
      {stalled && (
        <p className="column-stalled" data-testid="column-stalled">
          {t.stalled}
        </p>
      )}
      {status === 'queued' && text === '' && <p className="muted column-note">{t.queuedNote}</p>}
      <MarkdownView text={text} done={done} />
      {status === 'complete' && text === '' && <p className="muted">{t.emptyAnswer}</p>}
      {status === 'interrupted' && (
        <div className="column-interrupted" data-testid="column-interrupted">
          <p>{t.interruptedNote}</p>
          {onContinue && (
            <button type="button" className="button small" data-testid="column-continue" onClick={onContinue}>
              {t.continueAnswer}
            </button>
          )}
        </div>
      )}
      {status === 'error' && (
        <div className="column-error" data-testid="column-error">
          <strong>{t.errorTitle}</strong>
          <p>
            {error ? (
              <>
                <code>{error.code}</code> {error.message}
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
}
