import { memo, useEffect, useRef, useState, type KeyboardEvent } from 'react'
import type { ConversationSummary } from '../../../src-main/shared/ipc-contract'
import { formatFullDate, formatRelativeDate } from '../format/relative-date'
import type { HistoryActions } from '../hooks/use-history-actions'
import type { HistoryList } from '../hooks/use-history-list'
import { useNow } from '../hooks/use-now'
import { useStrings } from '../i18n'
import { PencilIcon, PinIcon, TrashIcon } from './icons'

interface ConversationListProps {
  list: HistoryList
  actions: HistoryActions
  activeConversationId: string | undefined
  onOpen(conversationId: string): void
}

/** Pinned first, then newest first (main's order), with "Load more" past the first page. */
export function ConversationList({ list, actions, activeConversationId, onOpen }: ConversationListProps) {
  const t = useStrings()
  const now = useNow(30_000)
  const { conversations } = list
  if (conversations === undefined) return <p className="sidebar-note muted">{t.history.loading}</p>
  if (conversations.length === 0)
    return (
      <p className="sidebar-note muted" data-testid="history-empty">
        {t.history.empty}
      </p>
    )
  return (
    <>
      <ul className="conversation-list" aria-label={t.history.listLabel}>
        {conversations.map((conversation) => (
          <ConversationItem
            key={conversation.id}
            conversation={conversation}
            active={conversation.id === activeConversationId}
            now={now}
            actions={actions}
            onOpen={onOpen}
          />
        ))}
      </ul>
      {list.hasMore && (
        <button
          type="button"
          className="button small ghost load-more"
          data-testid="load-more"
          disabled={list.loadingMore}
          onClick={list.loadMore}
        >
          {list.loadingMore ? t.history.loading : t.history.loadMore}
        </button>
      )}
    </>
  )
}

type Mode = 'view' | 'rename' | 'confirm-delete'

interface ConversationItemProps {
  conversation: ConversationSummary
  active: boolean
  now: number
  actions: HistoryActions
  onOpen(conversationId: string): void
}

const ConversationItem = memo(function ConversationItem({
  conversation,
  active,
  now,
  actions,
  onOpen,
}: ConversationItemProps) {
  const t = useStrings()
  const { id, title, pinned, updatedAt } = conversation
  const [mode, setMode] = useState<Mode>('view')
  // What to focus once the row is drawn in its next mode (the button that was pressed is gone by then).
  const focusNext = useRef<'open' | 'rename' | 'delete' | undefined>(undefined)
  const openButton = useRef<HTMLButtonElement>(null)
  const renameButton = useRef<HTMLButtonElement>(null)
  const deleteButton = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    const target = focusNext.current
    focusNext.current = undefined
    if (target === 'open') openButton.current?.focus()
    if (target === 'rename') renameButton.current?.focus()
    if (target === 'delete') deleteButton.current?.focus()
  }, [mode])

  const backToView = (focus: 'open' | 'rename' | 'delete') => {
    focusNext.current = focus
    setMode('view')
  }

  const rename = async (value: string) => {
    const next = value.replace(/\s+/g, ' ').trim()
    backToView('open')
    if (next !== '' && next !== title) await actions.rename(id, next)
  }

  const confirmDelete = async () => {
    const deleted = await actions.remove(id)
    if (!deleted) backToView('delete')
  }

  return (
    <li
      className="conversation-item"
      data-testid="conversation-item"
      data-conversation-id={id}
      data-active={active ? 'true' : 'false'}
      data-pinned={pinned ? 'true' : 'false'}
      data-mode={mode}
    >
      {mode === 'rename' ? (
        <RenameInput title={title} onSave={(value) => void rename(value)} onCancel={() => backToView('rename')} />
      ) : (
        <button
          type="button"
          ref={openButton}
          className="conversation-open"
          aria-current={active ? 'page' : undefined}
          aria-label={t.history.open(title)}
          onClick={() => onOpen(id)}
        >
          <span className="conversation-title-line">
            {pinned && (
              <span className="conversation-pin-marker" data-testid="conversation-pinned" title={t.history.pinned}>
                <PinIcon filled />
                <span className="visually-hidden">{t.history.pinned}: </span>
              </span>
            )}
            <span className="conversation-title" data-testid="conversation-title">
              {title}
            </span>
          </span>
          <time
            className="conversation-date"
            dateTime={new Date(updatedAt).toISOString()}
            title={formatFullDate(updatedAt, t.locale)}
          >
            {formatRelativeDate(updatedAt, now, t)}
          </time>
        </button>
      )}
      {mode === 'confirm-delete' && (
        <div
          className="conversation-confirm"
          role="group"
          aria-label={t.history.confirmDelete}
          onKeyDown={(event) => {
            if (event.key !== 'Escape') return
            event.preventDefault()
            backToView('delete')
          }}
        >
          <span className="conversation-confirm-text">{t.history.confirmDelete}</span>
          <button
            type="button"
            className="button small danger"
            data-testid="conversation-delete-confirm"
            aria-label={t.history.confirmDeleteLabel(title)}
            onClick={() => void confirmDelete()}
          >
            {t.history.delete}
          </button>
          <CancelButton onCancel={() => backToView('delete')} />
        </div>
      )}
      {mode === 'view' && (
        <div className="conversation-actions">
          <button
            type="button"
            ref={renameButton}
            className="row-action"
            data-testid="conversation-rename"
            aria-label={t.history.renameConversation(title)}
            title={t.history.rename}
            onClick={() => setMode('rename')}
          >
            <PencilIcon />
          </button>
          <button
            type="button"
            className="row-action"
            data-testid="conversation-pin"
            aria-label={pinned ? t.history.unpinConversation(title) : t.history.pinConversation(title)}
            aria-pressed={pinned}
            title={pinned ? t.history.unpin : t.history.pin}
            onClick={() => void actions.setPinned(id, !pinned)}
          >
            <PinIcon filled={pinned} />
          </button>
          <button
            type="button"
            className="row-action text"
            data-testid="conversation-export-markdown"
            aria-label={t.history.exportMarkdown(title)}
            title={t.history.exportMarkdown(title)}
            onClick={() => void actions.exportHistory('markdown', id)}
          >
            {t.history.exportMarkdownShort}
          </button>
          <button
            type="button"
            className="row-action text"
            data-testid="conversation-export-json"
            aria-label={t.history.exportJson(title)}
            title={t.history.exportJson(title)}
            onClick={() => void actions.exportHistory('json', id)}
          >
            {t.history.exportJsonShort}
          </button>
          <button
            type="button"
            ref={deleteButton}
            className="row-action danger"
            data-testid="conversation-delete"
            aria-label={t.history.deleteConversation(title)}
            title={t.history.delete}
            onClick={() => setMode('confirm-delete')}
          >
            <TrashIcon />
          </button>
        </div>
      )}
    </li>
  )
})

/** Enter saves, Escape cancels; leaving the field saves too (as a file manager's rename does). */
function RenameInput({ title, onSave, onCancel }: { title: string; onSave(value: string): void; onCancel(): void }) {
  const t = useStrings()
  const input = useRef<HTMLInputElement>(null)
  const finished = useRef(false)
  useEffect(() => {
    input.current?.focus()
    input.current?.select()
  }, [])
  const finish = (save: boolean) => {
    if (finished.current) return
    finished.current = true
    if (save) onSave(input.current?.value ?? title)
    else onCancel()
  }
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    // Not while an IME composes: Enter then confirms the conversion.
    if (event.nativeEvent.isComposing) return
    if (event.key === 'Enter') {
      event.preventDefault()
      finish(true)
    } else if (event.key === 'Escape') {
      event.preventDefault()
      finish(false)
    }
  }
  return (
    <input
      ref={input}
      className="conversation-rename-input"
      data-testid="conversation-rename-input"
      aria-label={t.history.renameInput}
      defaultValue={title}
      maxLength={200}
      onKeyDown={onKeyDown}
      onBlur={() => finish(true)}
    />
  )
}

/** Takes the focus when the confirm step appears: Enter right away must not delete. */
function CancelButton({ onCancel }: { onCancel(): void }) {
  const t = useStrings()
  const button = useRef<HTMLButtonElement>(null)
  useEffect(() => button.current?.focus(), [])
  return (
    <button type="button" ref={button} className="button small ghost" onClick={onCancel}>
      {t.history.cancel}
    </button>
  )
}
