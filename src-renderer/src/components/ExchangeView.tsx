import { memo, useCallback, useRef, useState, type Ref } from 'react'
import type { Exchange } from '../state/exchanges'
import { useStrings } from '../i18n'
import { ColumnStrip } from './ColumnStrip'
import { ModelColumn, StoredModelColumn } from './ModelColumn'

interface ExchangeViewProps {
  exchange: Exchange
  /** Its position in the conversation (search hits point at turns by it). */
  turnIndex: number
  onStop(streamId: string, modelId: string): void
  onContinue(modelId: string, label: string): void
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
  onContinue,
  ref,
}: ExchangeViewProps) {
  const t = useStrings()
  const { streamId, models, stored } = exchange
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
      <div className="prompt-bubble">
        <span className="visually-hidden">{t.you}: </span>
        {exchange.prompt}
      </div>
      {streamId === undefined ? (
        <p className="sending muted">
          <span className="spinner" aria-hidden="true" /> {t.sending}
        </p>
      ) : (
        <>
          {models.length > 1 && (
            <ColumnStrip
              streamId={streamId}
              models={models}
              stored={stored}
              widened={widened}
              onShow={show}
              onWiden={setWidened}
            />
          )}
          <div className="columns" data-count={models.length} ref={columnsRef}>
            {models.map((model) => {
              const answer = stored?.get(model.id)
              return answer ? (
                <StoredModelColumn
                  key={model.id}
                  streamId={streamId}
                  label={model.label}
                  answer={answer}
                  widened={widened === model.id}
                  onStop={onStop}
                  onContinue={onContinue}
                />
              ) : (
                <ModelColumn
                  key={model.id}
                  streamId={streamId}
                  modelId={model.id}
                  label={model.label}
                  widened={widened === model.id}
                  onStop={onStop}
                />
              )
            })}
          </div>
        </>
      )}
    </article>
  )
})
