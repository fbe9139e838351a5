import { memo } from 'react'
import type { Exchange } from '../hooks/use-conversation'
import { t } from '../i18n'
import { ModelColumn } from './ModelColumn'

interface ExchangeViewProps {
  exchange: Exchange
  onStop(streamId: string, modelId: string): void
}

/** The user's prompt, then one column per model that answered it. */
export const ExchangeView = memo(function ExchangeView({ exchange, onStop }: ExchangeViewProps) {
  const { streamId, models } = exchange
  return (
    <article className="exchange" data-testid="exchange">
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
          {models.map((model) => (
            <ModelColumn key={model.id} streamId={streamId} modelId={model.id} label={model.label} onStop={onStop} />
          ))}
        </div>
      )}
    </article>
  )
})
