import { memo, useCallback, useMemo, useRef, useState, type Ref } from 'react'
import { shownColumns, type Exchange } from '../state/exchanges'
import { useStrings } from '../i18n'
import { ColumnStrip } from './ColumnStrip'
import { ModelColumn, StoredModelColumn } from './ModelColumn'
import { PromptBubble } from './PromptBubble'
import type { TurnAttachment } from '../../../src-main/shared/attachment'
import { withheldNote } from '../format/withheld-note'

interface ExchangeViewProps {
  exchange: Exchange
  /** Its position in the conversation (search hits point at turns by it). */
  turnIndex: number
  onStop(streamId: string, modelId: string): void
  /** Absent where a new version cannot be asked for. */
  onRegenerate?(exchangeId: number, modelId: string): void
  onShowVersion(exchangeId: number, modelId: string, index: number): void
  /** Asks a model to go on from its version on `streamId`, cut off at the token limit; absent where it cannot. */
  onContinueCut?(exchangeId: number, modelId: string, streamId: string): void
  /** Absent where a sent prompt cannot be edited. */
  onEdit?(exchangeId: number, prompt: string, attachments: readonly TurnAttachment[]): void
  onShowBranch(exchangeId: number, index: number): void
  ref?: Ref<HTMLElement>
}

/**
 * The user's prompt, the strip of its answers (sticky: every column stays in reach), then one column per model
 * that answered it: live from the stream store, or as stored.
 */
export const ExchangeView = memo(function ExchangeView({
  exchange,
  turnIndex,
  onStop,
  onRegenerate,
  onShowVersion,
  onContinueCut,
  onEdit,
  onShowBranch,
  ref,
}: ExchangeViewProps) {
  const t = useStrings()
  const { streamId, models, stored } = exchange
  const columns = useMemo(() => (streamId === undefined ? [] : shownColumns(exchange)), [exchange, streamId])
  const exchangeId = exchange.id
  const showVersion = useCallback(
    (modelId: string, index: number) => onShowVersion(exchangeId, modelId, index),
    [exchangeId, onShowVersion],
  )
  const regenerate = useCallback((modelId: string) => onRegenerate?.(exchangeId, modelId), [exchangeId, onRegenerate])
  const continueCut = useCallback(
    (modelId: string, streamId: string) => onContinueCut?.(exchangeId, modelId, streamId),
    [exchangeId, onContinueCut],
  )
  const [widened, setWidened] = useState<string>()
  const columnsRef = useRef<HTMLDivElement>(null)

  // Brings a column into view (sideways and, when the user has read far down, up to its header) and focuses it.
  const show = useCallback((modelId: string) => {
    const column = columnsRef.current?.querySelector<HTMLElement>(`[data-model-id="${CSS.escape(modelId)}"]`)
    if (!column) return
    const reduceMotion = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches
    column.scrollIntoView({ block: 'nearest', inline: 'nearest', behavior: reduceMotion ? 'auto' : 'smooth' })
    column.focus({ preventScroll: true })
  }, [])

  return (
    <article
      ref={ref}
      className="exchange"
      data-testid="exchange"
      data-turn-index={turnIndex}
      data-stored={stored ? 'true' : undefined}
    >
      <PromptBubble
        prompt={exchange.prompt}
        attachments={exchange.attachments}
        branch={exchange.branch}
        onShowBranch={(index) => onShowBranch(exchangeId, index)}
        {...(onEdit &&
          streamId !== undefined && {
            onEdit: (prompt: string, attachments: readonly TurnAttachment[]) => onEdit(exchangeId, prompt, attachments),
          })}
      />
      {streamId === undefined ? (
        <p className="sending muted">
          <span className="spinner" aria-hidden="true" /> {t.sending}
        </p>
      ) : (
        <>
          {models.length > 1 && <ColumnStrip columns={columns} widened={widened} onShow={show} onWiden={setWidened} />}
          <div className="columns" data-count={models.length} ref={columnsRef}>
            {columns.map(({ model, streamId: shownStreamId, stored: answer, index, count }) => {
              const versions = {
                versionIndex: index,
                versionCount: count,
                onShowVersion: showVersion,
                ...(onRegenerate && { onRegenerate: regenerate }),
                ...(onContinueCut && { onContinueCut: continueCut }),
              }
              return answer ? (
                <StoredModelColumn
                  key={`${model.id}\n${shownStreamId}`}
                  streamId={shownStreamId}
                  label={model.label}
                  answer={answer}
                  widened={widened === model.id}
                  onStop={onStop}
                  withheld={withheldNote(withheldFrom(exchange.attachments, model.id), t)}
                  {...versions}
                />
              ) : (
                <ModelColumn
                  key={`${model.id}\n${shownStreamId}`}
                  streamId={shownStreamId}
                  modelId={model.id}
                  label={model.label}
                  widened={widened === model.id}
                  onStop={onStop}
                  withheld={withheldNote(withheldFrom(exchange.attachments, model.id), t)}
                  {...versions}
                />
              )
            })}
          </div>
        </>
      )}
    </article>
  )
})

/** The attachments of an exchange that `modelId`'s column did not get, and why. */
function withheldFrom(attachments: readonly TurnAttachment[] | undefined, modelId: string) {
  return (attachments ?? []).flatMap(({ name, withheld }) => {
    const reason = withheld?.[modelId]
    return reason ? [{ name, reason }] : []
  })
}
