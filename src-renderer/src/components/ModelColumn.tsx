import { memo, useState, type MouseEvent, type Ref } from 'react'
import {
  isOpenStatus,
  type AnswerEndDetails,
  type AnswerError,
  type AnswerStatus,
  type TokenUsage,
} from '../../../src-main/shared/answer'
import type { StoredAnswer } from '../../../src-main/shared/ipc-contract'
import { answerMetrics, isCutShort, quotaMessage, stopMessage, thinkingMs } from '../format/answer-facts'
import { useStrings } from '../i18n'
import { streamErrorText } from '../i18n/main-message'
import { useInView } from '../hooks/use-in-view'
import { useStreamColumn } from '../hooks/use-stream-column'
import { ColumnActions } from './ColumnActions'
import { ColumnMetrics } from './ColumnMetrics'
import { MarkdownView } from './MarkdownView'
import { WaitingNote } from './WaitingNote'
import { ThinkingSection } from './ThinkingSection'
import { VersionSwitch } from './VersionSwitch'
import { useEditModelLink } from './edit-model-context'

/** Errors a change in the model's settings can fix: a wrong key, model name or server address. */
const SETTINGS_FIXABLE: ReadonlySet<string> = new Set(['unauthorized', 'model-not-found', 'connection-refused'])

/** Where the shown answer sits among the model's versions at this turn, and how to reach or add others. */
export interface ColumnVersionProps {
  /** 0-based. */
  versionIndex: number
  versionCount: number
  onShowVersion(modelId: string, index: number): void
  /** Absent where a new version cannot be asked for. */
  onRegenerate?(modelId: string): void
  /** Asks the model to go on from this version, cut off at the token limit (absent where it cannot be asked). */
  onContinueCut?(modelId: string, streamId: string): void
}

interface ModelColumnProps extends ColumnVersionProps {
  streamId: string
  modelId: string
  label: string
  /** Shown wider than the others (chosen in the exchange's column strip). */
  widened: boolean
  onStop(streamId: string, modelId: string): void
  /** Which of the prompt's attachments this column did not get, and why; absent when it got them all. */
  withheld?: string | undefined
}

/** One model's live answer. Subscribed to its own column only, so other columns' deltas never render it. */
export const ModelColumn = memo(function ModelColumn(props: ModelColumnProps) {
  const { streamId, modelId, label, widened, onStop } = props
  // Off to the side (5 to 8 columns), a column takes its text at a slower pace: nobody sees it repaint.
  const [section, setSection] = useState<HTMLElement | null>(null)
  const column = useStreamColumn(streamId, modelId, useInView(section))
  const status = column?.status ?? 'streaming'
  const text = column?.text ?? ''
  const reasoning = column?.reasoning ?? ''
  return (
    <ColumnView
      sectionRef={setSection}
      streamId={streamId}
      modelId={modelId}
      label={label}
      widened={widened}
      status={status}
      text={text}
      reasoning={reasoning}
      thinking={isOpenStatus(status) && text === '' && reasoning !== ''}
      measuredThinkingMs={column?.measuredThinkingMs}
      end={column?.end}
      done={!isOpenStatus(status)}
      stalled={column?.stalled === true}
      error={column?.error}
      usage={column?.usage}
      onStop={onStop}
      withheld={props.withheld}
      versionIndex={props.versionIndex}
      versionCount={props.versionCount}
      onShowVersion={props.onShowVersion}
      onRegenerate={props.onRegenerate}
      onContinueCut={props.onContinueCut}
    />
  )
})

/** One model's answer as history keeps it: complete text, rendered once. */
export const StoredModelColumn = memo(function StoredModelColumn(
  props: {
    streamId: string
    label: string
    answer: StoredAnswer
    widened: boolean
    onStop(streamId: string, modelId: string): void
    withheld?: string | undefined
  } & ColumnVersionProps,
) {
  const { streamId, label, answer, widened, onStop } = props
  return (
    <ColumnView
      streamId={streamId}
      modelId={answer.modelId}
      label={label}
      widened={widened}
      status={answer.status}
      text={answer.text}
      reasoning={answer.reasoning ?? ''}
      // Reopened from history, the thinking starts folded.
      thinking={false}
      measuredThinkingMs={undefined}
      end={answer.end}
      // What was stored is all there is to render now, even of an answer that was still streaming when read.
      done
      stalled={false}
      error={answer.error}
      usage={answer.usage}
      onStop={onStop}
      withheld={props.withheld}
      versionIndex={props.versionIndex}
      versionCount={props.versionCount}
      onShowVersion={props.onShowVersion}
      onRegenerate={props.onRegenerate}
      onContinueCut={props.onContinueCut}
    />
  )
})

interface ColumnViewProps extends ColumnVersionProps {
  sectionRef?: Ref<HTMLElement>
  streamId: string
  modelId: string
  label: string
  widened: boolean
  status: AnswerStatus
  text: string
  reasoning: string
  thinking: boolean
  measuredThinkingMs: number | undefined
  end: AnswerEndDetails | undefined
  done: boolean
  stalled: boolean
  error: AnswerError | undefined
  usage: TokenUsage | undefined
  onStop(streamId: string, modelId: string): void
  withheld: string | undefined
  /** Only for an answer that was cut off: ask the model to go on from where it stopped. */
}

function ColumnView(props: ColumnViewProps) {
  const t = useStrings()
  const { streamId, modelId, label, status, text, reasoning, thinking, end, done, stalled, error, usage } = props
  const { onStop } = props
  const stoppable = isOpenStatus(status)
  const stopped = stopMessage(status, end, t)
  const metrics = answerMetrics(end, usage)
  const { onContinueCut } = props
  const editModel = useEditModelLink()
  // Only an answer with text to go on from (one cut while still thinking is regenerated instead). Continuing makes
  // a new version, shown at once; an earlier cut version may still be continued from (a branch of its own).
  const continuable =
    ((status === 'complete' && end?.stopReason === 'max-tokens') || status === 'interrupted') && text.trim() !== ''
  // Under a cut answer (primary) or an interrupted one: a new version that goes on from this one.
  const continueButton = (testId: string, className: string, text: string) =>
    continuable &&
    onContinueCut && (
      <button
        type="button"
        className={className}
        data-testid={testId}
        aria-label={t.answerActions.continueCutLabel(label)}
        onClick={() => onContinueCut(modelId, streamId)}
      >
        {text}
      </button>
    )
  // Stop goes away once pressed: the focus moves to the column it stopped, not to the page's body.
  const stopHere = (event: MouseEvent<HTMLElement>) => {
    const column = event.currentTarget.closest('section')
    onStop(streamId, modelId)
    column?.focus()
  }
  return (
    <section
      ref={props.sectionRef}
      className="column"
      data-testid={`column-${modelId}`}
      data-model-id={modelId}
      data-status={status}
      data-stream-id={streamId}
      data-stop-reason={end?.stopReason}
      data-widened={props.widened || undefined}
      aria-label={label}
      // Focusable, so the column strip can move the keyboard focus to the answer it shows.
      tabIndex={-1}
    >
      <header className="column-header">
        <h3 className="column-title" title={modelId}>
          {label}
        </h3>
        <span className="column-status" data-status={status} data-testid="column-status">
          {status === 'streaming' && <span className="spinner" aria-hidden="true" />}
          {status === 'queued' && <span className="queued-dot" aria-hidden="true" />}
          {t.columnStatus[status]}
        </span>
        {/* Several columns change status at once: each announcement names its model ("Claude: Done"). */}
        <span className="visually-hidden" aria-live="polite" data-testid="column-announcement">
          {t.columnAnnouncement(
            label,
            t.columnStatus[status],
            stopped ?? (error ? error.code.replaceAll('-', ' ') : undefined),
          )}
        </span>
        {props.versionCount > 1 && (
          <VersionSwitch
            label={label}
            index={props.versionIndex}
            count={props.versionCount}
            onSelect={(index) => props.onShowVersion(modelId, index)}
          />
        )}
        {stoppable && (
          <button
            type="button"
            className="button small"
            data-testid="column-stop"
            aria-label={t.stopModel(label)}
            onClick={stopHere}
          >
            {t.stop}
          </button>
        )}
      </header>
      {props.withheld && (
        <p className="column-withheld" role="note" data-testid="column-withheld">
          {props.withheld}
        </p>
      )}
      {stalled && (
        <p className="column-stalled" data-testid="column-stalled">
          {t.stalled}
        </p>
      )}
      {status === 'queued' && text === '' && <p className="muted column-note">{t.queuedNote}</p>}
      {status === 'streaming' && !done && text === '' && reasoning === '' && !stalled && (
        <WaitingNote label={label} onStop={stopHere} />
      )}
      <ThinkingSection
        reasoning={reasoning}
        thinking={thinking}
        durationMs={thinkingMs(end?.metrics, props.measuredThinkingMs)}
        redacted={end?.redactedReasoning ?? 0}
      />
      <MarkdownView text={text} done={done} />
      {status === 'complete' && text === '' && end?.stopReason !== 'tool-call' && (
        <p className="muted">{t.emptyAnswer}</p>
      )}
      {stopped !== undefined && (
        <div className="column-stop">
          <p
            className="column-stop-reason"
            data-testid="column-stop-reason"
            data-cut-short={isCutShort(end) || undefined}
            role="status"
          >
            {stopped}
          </p>
          {continueButton('column-continue-cut', 'button small primary', t.answerActions.continueCut)}
        </div>
      )}
      {status === 'interrupted' && (
        <div className="column-interrupted" data-testid="column-interrupted">
          <p>{t.interruptedNote}</p>
          {continueButton('column-continue', 'button small', t.continueAnswer)}
        </div>
      )}
      {status === 'error' && (
        <div className="column-error" data-testid="column-error">
          <strong>{t.errorTitle}</strong>
          <p>
            {end?.quota ? (
              <span data-testid="column-quota">{quotaMessage(end.quota, t)}</span>
            ) : error ? (
              <>
                <span data-testid="column-error-reason">{streamErrorText(t, error.code)}</span>{' '}
                <span className="muted message-detail" data-testid="message-detail">
                  {t.mainMessage.streamDetail} <code>{error.code}</code> {error.message}
                </span>
              </>
            ) : (
              t.columnStatus.error
            )}
          </p>
          {error && SETTINGS_FIXABLE.has(error.code) && editModel?.canEdit(modelId) && (
            <button
              type="button"
              className="button small"
              data-testid="column-edit-model"
              aria-label={t.answerActions.editModelLabel(label)}
              onClick={() => editModel.edit(modelId)}
            >
              {t.answerActions.editModel}
            </button>
          )}
        </div>
      )}
      {done && (
        <ColumnActions
          label={label}
          text={text}
          done={!stoppable}
          retry={status === 'error'}
          {...(props.onRegenerate && { onRegenerate: () => props.onRegenerate!(modelId) })}
        />
      )}
      {metrics && done && <ColumnMetrics metrics={metrics} costUsd={end?.costUsd} />}
    </section>
  )
}
