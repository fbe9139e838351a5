import { memo, useMemo, type KeyboardEvent } from 'react'
import type { HighlightedText, SearchHit, SearchResults } from '../../../src-main/shared/ipc-contract'
import { groupHits } from '../format/group-hits'
import { highlightSegments } from '../format/highlight-segments'
import { useStrings } from '../i18n'

interface SearchResultsViewProps {
  results: SearchResults | undefined
  pending: boolean
  onOpen(conversationId: string, turnIndex: number): void
  /** Up arrow on the first hit (back to the search box). */
  onAboveFirst(): void
}

/** The hits of a search, in place of the conversation list while a query is typed. */
export function SearchResultsView({ results, pending, onOpen, onAboveFirst }: SearchResultsViewProps) {
  const t = useStrings()
  const groups = useMemo(() => groupHits(results?.hits ?? []), [results])
  return (
    <section
      className="search-results"
      aria-label={t.history.searchResultsLabel}
      aria-busy={pending}
      data-testid="search-results"
    >
      {results === undefined ? (
        <p className="sidebar-note muted">{t.history.searching}</p>
      ) : results.hits.length === 0 ? (
        <p className="sidebar-note muted" data-testid="search-empty">
          {pending ? t.history.searching : t.history.noMatches}
        </p>
      ) : (
        <>
          <p className="sidebar-note muted" data-testid="search-count" role="status">
            {t.history.resultCount(results.hits.length, groups.length)}
          </p>
          <ul className="search-group-list" onKeyDown={(event) => moveBetweenHits(event, onAboveFirst)}>
            {groups.map((group) => (
              <li key={group.conversationId} className="search-group" data-testid="search-group">
                <span className="search-group-title" data-testid="search-group-title">
                  {group.conversationTitle}
                </span>
                <ul className="search-hit-list" aria-label={group.conversationTitle}>
                  {group.hits.map((hit, index) => (
                    <li key={`${hit.turnIndex}\n${hit.kind}\n${hit.modelLabel ?? ''}\n${index}`}>
                      <SearchHitView hit={hit} onOpen={onOpen} />
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </>
      )}
      {results && !results.complete && <p className="sidebar-note muted">{t.history.incompleteSearch}</p>}
    </section>
  )
}

/** Up and down arrows move between hits (Tab still works); Up from the first calls `onAboveFirst`. */
function moveBetweenHits(event: KeyboardEvent<HTMLElement>, onAboveFirst: () => void) {
  if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return
  const hits = Array.from(event.currentTarget.querySelectorAll<HTMLElement>('.search-hit'))
  const current = hits.indexOf(document.activeElement as HTMLElement)
  if (current === -1) return
  event.preventDefault()
  const next = current + (event.key === 'ArrowDown' ? 1 : -1)
  if (next < 0) onAboveFirst()
  else hits[Math.min(next, hits.length - 1)]?.focus()
}

/** The first hit of the results inside `container`, for the search box's Down arrow. */
export function focusFirstHit(container: HTMLElement | null): void {
  container?.querySelector<HTMLElement>('.search-hit')?.focus()
}

const SearchHitView = memo(function SearchHitView({
  hit,
  onOpen,
}: {
  hit: SearchHit
  onOpen(conversationId: string, turnIndex: number): void
}) {
  const t = useStrings()
  const who = hit.kind === 'prompt' ? t.you : (hit.modelLabel ?? '')
  return (
    <button
      type="button"
      className="search-hit"
      data-testid="search-hit"
      data-conversation-id={hit.conversationId}
      data-turn-index={hit.turnIndex}
      onClick={() => onOpen(hit.conversationId, hit.turnIndex)}
    >
      <span className="search-hit-head">
        <span className="search-hit-who" data-testid="search-hit-who">
          {who}
        </span>
      </span>
      <span className="search-hit-snippet" data-testid="search-hit-snippet">
        <Snippet snippet={hit.snippet} />
      </span>
    </button>
  )
})

/** Text nodes, with the matches inside <mark>: the snippet is user and model text, never markup. */
function Snippet({ snippet }: { snippet: HighlightedText }) {
  return (
    <>
      {highlightSegments(snippet).map((segment, index) =>
        segment.marked ? <mark key={index}>{segment.text}</mark> : <span key={index}>{segment.text}</span>,
      )}
    </>
  )
}
