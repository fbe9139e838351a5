import { useEffect, useRef } from 'react'
import type { Exchange } from '../hooks/use-conversation'
import { useFollowLatest } from '../hooks/use-follow-latest'
import { t } from '../i18n'
import { ExchangeView } from './ExchangeView'

interface ConversationViewProps {
  exchanges: readonly Exchange[]
  onStop(streamId: string, modelId: string): void
}

export function ConversationView({ exchanges, onStop }: ConversationViewProps) {
  const { scrollRef, contentRef, showJump, jumpToLatest } = useFollowLatest()

  // A new prompt means the user wants to see its answers, wherever they had scrolled to.
  const shownCount = useRef(exchanges.length)
  useEffect(() => {
    if (exchanges.length > shownCount.current) jumpToLatest()
    shownCount.current = exchanges.length
  }, [exchanges.length, jumpToLatest])

  return (
    <main className="conversation">
      <div className="conversation-scroll" ref={scrollRef}>
        <div className="conversation-content" ref={contentRef}>
          {exchanges.length === 0 ? (
            <div className="empty-state">
              <h2>{t.emptyConversation.title}</h2>
              <p>{t.emptyConversation.body}</p>
            </div>
          ) : (
            exchanges.map((exchange) => <ExchangeView key={exchange.id} exchange={exchange} onStop={onStop} />)
          )}
        </div>
      </div>
      {showJump && (
        <button type="button" className="jump-to-latest" data-testid="jump-to-latest" onClick={jumpToLatest}>
          {t.jumpToLatest} ↓
        </button>
      )}
    </main>
  )
}
