import { useEffect, useRef } from 'react'
import type { Exchange } from '../state/exchanges'
import type { TurnAttachment } from '../../../src-main/shared/attachment'
import { useExchangeWindow } from '../hooks/use-exchange-window'
import { useFollowLatest } from '../hooks/use-follow-latest'
import { clearSearchHighlight, markSearchMatches } from '../hooks/search-highlight'
import type { ConversationViewState } from '../hooks/use-conversation'
import { useStrings } from '../i18n'
import { ExchangeView } from './ExchangeView'

interface ConversationViewProps {
  exchanges: readonly Exchange[]
  onStop(streamId: string, modelId: string): void
  /** Asks a model to go on from an answer that was cut off. */
  onRegenerate(exchangeId: number, modelId: string): void
  onShowVersion(exchangeId: number, modelId: string, index: number): void
  /** Asks a model to go on from its version on `streamId`, cut off at the token limit. */
  onContinueCut(exchangeId: number, modelId: string, streamId: string): void
  onEdit(exchangeId: number, prompt: string, attachments: readonly TurnAttachment[]): void
  onShowBranch(exchangeId: number, index: number): void
  /** Sends one of the empty state's starter prompts; absent while a prompt cannot be sent (no model selected). */
  onStarterPrompt?: ((prompt: string) => void) | undefined
  /** Scroll to this turn instead of following the latest (a search hit was opened). */
  scrollTo?: ConversationViewState['scrollTo']
}

/** Give it a new `key` for another conversation: it then starts at the latest turn (or at `scrollTo`). */
export function ConversationView(props: ConversationViewProps) {
  const { exchanges, onStop, onRegenerate, onShowVersion, onContinueCut, onEdit, onShowBranch } = props
  const { scrollTo } = props
  const t = useStrings()
  const { scrollRef, contentRef, showJump, jumpToLatest, holdAt } = useFollowLatest()
  const exchangeWindow = useExchangeWindow(scrollRef, exchanges.length, scrollTo?.turnIndex)

  // The marks of a search belong to this conversation: gone with it.
  useEffect(() => clearSearchHighlight, [])

  // A new prompt means the user wants to see its answers, wherever they had scrolled to.
  const shownCount = useRef(exchanges.length)
  useEffect(() => {
    if (exchanges.length > shownCount.current) jumpToLatest()
    shownCount.current = exchanges.length
  }, [exchanges.length, jumpToLatest])

  useEffect(() => {
    if (!scrollTo) return
    const target = contentRef.current?.querySelector(`[data-turn-index="${scrollTo.turnIndex}"]`)
    if (!(target instanceof HTMLElement)) return
    holdAt(target)
    // The search's words marked in the turn (the first brought into view if it is below the fold).
    const stopMarking = scrollTo.highlight
      ? markSearchMatches(target, scrollRef.current, scrollTo.highlight)
      : undefined
    target.classList.remove('exchange-target')
    // Restarts the highlight animation when the same turn is asked for again.
    void target.offsetWidth
    target.classList.add('exchange-target')
    const timer = setTimeout(() => target.classList.remove('exchange-target'), 2000)
    return () => {
      clearTimeout(timer)
      stopMarking?.()
    }
  }, [contentRef, holdAt, scrollRef, scrollTo])

  return (
    <main className="conversation">
      <div className="conversation-scroll" ref={scrollRef}>
        <div className="conversation-content" ref={contentRef}>
          {exchanges.length === 0 ? (
            <div className="empty-state">
              <h2>{t.emptyConversation.title}</h2>
              <p>{t.emptyConversation.body}</p>
              {props.onStarterPrompt && (
                <ul className="starter-prompts" aria-label={t.emptyConversation.startersLabel}>
                  {t.emptyConversation.starters.map((starter) => (
                    <li key={starter}>
                      <button
                        type="button"
                        className="starter-prompt"
                        data-testid="starter-prompt"
                        onClick={() => props.onStarterPrompt?.(starter)}
                      >
                        {starter}
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          ) : (
            exchanges.map((exchange, index) =>
              exchangeWindow.isRendered(index) ? (
                <ExchangeView
                  key={exchange.id}
                  ref={exchangeWindow.slotRef(index)}
                  exchange={exchange}
                  turnIndex={index}
                  onStop={onStop}
                  onRegenerate={onRegenerate}
                  onShowVersion={onShowVersion}
                  onContinueCut={onContinueCut}
                  onEdit={onEdit}
                  onShowBranch={onShowBranch}
                />
              ) : (
                <div
                  key={exchange.id}
                  ref={exchangeWindow.slotRef(index)}
                  className="exchange-placeholder"
                  data-placeholder=""
                  data-turn-index={index}
                  style={{ height: exchangeWindow.placeholderHeight(index) }}
                />
              ),
            )
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
