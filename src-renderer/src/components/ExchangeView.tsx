import { memo, type Ref } from 'react'
import type { Exchange } from '../state/exchanges'
import { useStrings } from '../i18n'
import { ModelColumn, StoredModelColumn } from './ModelColumn'

interface ExchangeViewProps {
  exchange: Exchange
  /** Its position in the conversation (search hits point at turns by it). */
  turnIndex: number
  onStop(streamId: string, modelId: string): void
  onContinue(modelId: string, label: string): void
  ref?: Ref<HTMLElement>
}

/** The user's prompt, then one column per model that answered it: live from the stream store, or as stored. */
export const ExchangeView = memo(function ExchangeView({
  exchange,
  turnIndex,
  onStop,
  onContinue,
  ref,
}: ExchangeViewProps) {
  const t = useStrings()
  const { streamId, models, stored } = exchange
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
        <div className="columns" data-count={models.length}>
          {models.map((model) => {
            const answer = stored?.get(model.id)
            return answer ? (
              <StoredModelColumn
                key={model.id}
                streamId={streamId}
                label={model.label}
                answer={answer}
                onStop={onStop}
                onContinue={onContinue}
              />
            ) : (
              <ModelColumn key={model.id} streamId={streamId} modelId={model.id} label={model.label} onStop={onStop} />
            )
          })}
        </div>
      )}
    </article>
  )
})
