import { useEffect, useRef, useState, type ChangeEvent, type KeyboardEvent } from 'react'
import { useServices } from '../app-services'
import type { HistoryActions } from '../hooks/use-history-actions'
import type { HistoryList } from '../hooks/use-history-list'
import { useHistorySearch } from '../hooks/use-history-search'
import { useStrings } from '../i18n'
import { SHORTCUTS, shortcutLabel } from '../keyboard/shortcuts'
import { ConversationList } from './ConversationList'
import { SearchIcon } from './icons'
import { SearchResultsView, focusFirstHit } from './SearchResultsView'
import { StartupNotices } from './StartupNotices'
import type { UserMessage } from '../../../src-main/shared/user-message'

export const SIDEBAR_ID = 'sidebar'

interface SidebarProps {
  collapsed: boolean
  list: HistoryList
  actions: HistoryActions
  activeConversationId: string | undefined
  onOpen(conversationId: string, turnIndex?: number, highlight?: string): void
  /** Each new value focuses the search box (Ctrl/Cmd+K); 0 never does. */
  focusSearchSignal: number
  /** From start-up, kept at the top until dismissed. */
  startupNotices?: readonly UserMessage[] | undefined
}

/** Search over every conversation, the conversation list, and export/import of all of them. */
export function Sidebar({
  collapsed,
  list,
  actions,
  activeConversationId,
  onOpen,
  focusSearchSignal,
  startupNotices,
}: SidebarProps) {
  const t = useStrings()
  const { client } = useServices()
  const [query, setQuery] = useState('')
  const searchInput = useRef<HTMLInputElement>(null)
  const resultsRef = useRef<HTMLDivElement>(null)

  // Runs after the commit that un-hides a collapsed sidebar, so the box can take the focus.
  useEffect(() => {
    if (focusSearchSignal === 0) return
    searchInput.current?.focus()
    searchInput.current?.select()
  }, [focusSearchSignal])
  const search = useHistorySearch(client, query, list.version)
  const searching = query.trim() !== ''

  const onSearchKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Escape' && query !== '') {
      event.preventDefault()
      setQuery('')
    } else if (event.key === 'ArrowDown' && searching) {
      event.preventDefault()
      focusFirstHit(resultsRef.current)
    }
  }

  return (
    <aside
      id={SIDEBAR_ID}
      className="sidebar"
      data-testid="sidebar"
      aria-label={t.history.sidebarLabel}
      hidden={collapsed}
    >
      <StartupNotices notices={startupNotices} />
      <div className="sidebar-search" role="search">
        <SearchIcon />
        <input
          ref={searchInput}
          type="search"
          className="sidebar-search-input"
          data-testid="history-search"
          aria-label={t.history.searchLabel}
          placeholder={t.history.searchPlaceholder}
          title={t.withShortcut(t.history.searchLabel, shortcutLabel(SHORTCUTS.focusSearch))}
          maxLength={500}
          autoComplete="off"
          spellCheck={false}
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={onSearchKeyDown}
        />
      </div>
      <div className="sidebar-scroll">
        {searching ? (
          <div ref={resultsRef}>
            <SearchResultsView
              results={search.results}
              pending={search.pending}
              onOpen={(conversationId, turnIndex) => onOpen(conversationId, turnIndex, query)}
              onAboveFirst={() => searchInput.current?.focus()}
            />
          </div>
        ) : (
          <ConversationList list={list} actions={actions} activeConversationId={activeConversationId} onOpen={onOpen} />
        )}
      </div>
      <SidebarFooter actions={actions} />
    </aside>
  )
}

function SidebarFooter({ actions }: { actions: HistoryActions }) {
  const t = useStrings()
  const [importing, setImporting] = useState(false)

  const onFileChosen = async (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.currentTarget
    const file = input.files?.[0]
    if (!file) return
    setImporting(true)
    try {
      await actions.importFile(file)
    } finally {
      setImporting(false)
      // The same file may be chosen again (e.g. after fixing it).
      input.value = ''
    }
  }

  return (
    <footer className="sidebar-footer">
      <div className="sidebar-footer-group" role="group" aria-label={t.history.exportAll}>
        <span className="sidebar-footer-label">{t.history.exportAll}</span>
        <button
          type="button"
          className="button small ghost"
          data-testid="export-all-json"
          aria-label={t.history.exportAllJson}
          title={t.history.exportAllJson}
          onClick={() => void actions.exportHistory('json')}
        >
          {t.history.json}
        </button>
        <button
          type="button"
          className="button small ghost"
          data-testid="export-all-markdown"
          aria-label={t.history.exportAllMarkdown}
          title={t.history.exportAllMarkdown}
          onClick={() => void actions.exportHistory('markdown')}
        >
          {t.history.markdown}
        </button>
      </div>
      <label
        className="button small ghost import-button"
        title={t.history.importLabel}
        aria-disabled={importing || undefined}
      >
        {t.history.import}
        <input
          type="file"
          className="visually-hidden"
          data-testid="import-history"
          accept=".json,application/json"
          aria-label={t.history.importLabel}
          disabled={importing}
          onChange={(event) => void onFileChosen(event)}
        />
      </label>
    </footer>
  )
}
