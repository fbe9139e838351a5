import { memo, useEffect, useRef, useState, type KeyboardEvent } from 'react'
import type { ConversationSummary } from '../../../src-main/shared/ipc-contract'
import { formatFullDate, formatRelativeDate } from '../format/relative-date'
import type { HistoryActions } from '../hooks/use-history-actions'
import type { HistoryList } from '../hooks/use-history-list'
import { useNow } from '../hooks/use-now'
import { useStrings } from '../i18n'
import { groupByDate } from '../format/date-groups'
import { PinIcon } from './icons'
import { RowMenu } from './RowMenu'

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
      <div className="conversation-groups" role="list" aria-label={t.history.listLabel}>
        {groupByDate(conversations, now, t).map((group) => (
          <section
            key={group.key}
            className="conversation-group"
            role="listitem"
            data-testid="conversation-group"
            aria-labelledby={`conversation-group-${group.key}`}
          >
            <h3 className="conversation-group-label" id={`conversation-group-${group.key}`}>
              {group.label}
            </h3>
            <ul className="conversation-list">
              {group.items.map((conversation) => (
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
          </section>
        ))}
      </div>
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
  const { id, title, pinned, updatedAt, askedElsewhere } = conversation
  const [mode, setMode] = useState<Mode>('view')
  // What to focus once the row is drawn in its next mode (the field or button that had it is gone by then).
  const focusNext = useRef<'open' | 'menu' | undefined>(undefined)
  const openButton = useRef<HTMLButtonElement>(null)
  const menuButton = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    const target = focusNext.current
    focusNext.current = undefined
    if (target === 'open') openButton.current?.focus()
    if (target === 'menu') menuButton.current?.focus()
  }, [mode])

  const backToView = (focus: 'open' | 'menu') => {
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
    if (!deleted) backToView('menu')
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
        <RenameInput title={title} onSave={(value) => void rename(value)} onCancel={() => backToView('menu')} />
      ) : (
        <button
          type="button"
          ref={openButton}
          className="conversation-open"
          aria-current={active ? 'page' : undefined}
          onClick={() => onOpen(id)}
        >
          <span className="conversation-title-line">
            {pinned && (
              <span className="conversation-pin-marker" data-testid="conversation-pinned" title={t.history.pinned}>
                <PinIcon filled />
                <span className="visually-hidden">{t.history.pinned}: </span>
              </span>
            )}
            <span className="conversation-title" data-testid="conversation-title" title={title}>
              {title}
            </span>
            {askedElsewhere && (
              <span
                className="conversation-elsewhere-marker"
                data-testid="conversation-asked-elsewhere"
                title={t.history.askedElsewhere}
              >
                <span aria-hidden="true">⇄</span>
                <span className="visually-hidden">{t.history.askedElsewhere}</span>
              </span>
            )}
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
            backToView('menu')
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
          <CancelButton onCancel={() => backToView('menu')} />
        </div>
      )}
      {mode === 'view' && (
        <div className="conversation-actions">
          <RowMenu
            label={t.history.actionsFor(title)}
            buttonTestId="conversation-menu"
            buttonRef={menuButton}
            items={[
              { testId: 'conversation-rename', label: t.history.rename, onSelect: () => setMode('rename') },
              {
                testId: 'conversation-pin',
                label: pinned ? t.history.unpin : t.history.pin,
                onSelect: () => void actions.setPinned(id, !pinned),
              },
              {
                testId: 'conversation-export-markdown',
                label: t.history.exportAsMarkdown,
                onSelect: () => void actions.exportHistory('markdown', id),
              },
              {
                testId: 'conversation-export-json',
                label: t.history.exportAsJson,
                onSelect: () => void actions.exportHistory('json', id),
              },
              {
                testId: 'conversation-delete',
                label: t.history.delete,
                danger: true,
                onSelect: () => setMode('confirm-delete'),
              },
            ]}
          />
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
