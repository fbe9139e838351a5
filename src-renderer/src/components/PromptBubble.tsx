import { useState, type FormEvent } from 'react'
import type { TurnAttachment } from '../../../src-main/shared/attachment'
import { useStrings } from '../i18n'
import { AttachmentChips } from './AttachmentChips'

interface PromptBubbleProps {
  prompt: string
  /** The files the prompt was sent with: shown under it, and kept by an edit unless removed in the edit box. */
  attachments: readonly TurnAttachment[] | undefined
  /** Where this prompt sits among the prompts sent in its place (edits); absent when it has none. */
  branch: { index: number; count: number } | undefined
  /** Absent while the exchange cannot be edited (not sent yet). */
  onEdit?: (prompt: string, attachments: readonly TurnAttachment[]) => void
  onShowBranch(index: number): void
}

interface Draft {
  text: string
  attachments: readonly TurnAttachment[]
}

/** The user's prompt: editable (the edit is sent as a new branch) and, once edited, ‹ 1/2 › between the prompts. */
export function PromptBubble({ prompt, attachments = [], branch, onEdit, onShowBranch }: PromptBubbleProps) {
  const t = useStrings()
  const [draft, setDraft] = useState<Draft>()
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!draft?.text.trim() || !onEdit) return
    onEdit(draft.text, draft.attachments)
    setDraft(undefined)
  }
  if (draft !== undefined) {
    return (
      <form className="prompt-edit" onSubmit={submit}>
        <AttachmentChips
          attachments={draft.attachments.map((attachment) => ({ ...attachment, key: attachment.id }))}
          onRemove={(id) =>
            setDraft({ ...draft, attachments: draft.attachments.filter((attachment) => attachment.id !== id) })
          }
        />
        <textarea
          className="prompt-edit-input"
          data-testid="prompt-edit-input"
          aria-label={t.promptEdit.inputLabel}
          value={draft.text}
          autoFocus
          rows={Math.min(10, draft.text.split('\n').length + 1)}
          onChange={(event) => setDraft({ ...draft, text: event.target.value })}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.stopPropagation()
              setDraft(undefined)
            }
          }}
        />
        <div className="prompt-edit-actions">
          <button
            type="button"
            className="button small"
            data-testid="prompt-edit-cancel"
            onClick={() => setDraft(undefined)}
          >
            {t.promptEdit.cancel}
          </button>
          <button
            type="submit"
            className="button small primary"
            data-testid="prompt-edit-send"
            disabled={!draft.text.trim()}
          >
            {t.promptEdit.send}
          </button>
        </div>
      </form>
    )
  }
  return (
    <>
      <div className="prompt-row">
        {branch && (
          <span
            className="version-switch"
            role="group"
            aria-label={t.promptEdit.branches}
            data-testid="prompt-branches"
          >
            <button
              type="button"
              className="button small"
              data-testid="branch-previous"
              aria-label={t.promptEdit.previous}
              disabled={branch.index === 0}
              onClick={() => onShowBranch(branch.index - 1)}
            >
              ‹
            </button>
            <span data-testid="branch-position" aria-label={t.promptEdit.position(branch.index + 1, branch.count)}>
              {branch.index + 1}/{branch.count}
            </span>
            <button
              type="button"
              className="button small"
              data-testid="branch-next"
              aria-label={t.promptEdit.next}
              disabled={branch.index === branch.count - 1}
              onClick={() => onShowBranch(branch.index + 1)}
            >
              ›
            </button>
          </span>
        )}
        {onEdit && (
          <button
            type="button"
            className="button small"
            data-testid="prompt-edit"
            aria-label={t.promptEdit.editLabel}
            onClick={() => setDraft({ text: prompt, attachments })}
          >
            {t.promptEdit.edit}
          </button>
        )}
        <div className="prompt-bubble" data-testid="prompt-text">
          <span className="visually-hidden">{t.you}: </span>
          {prompt}
        </div>
      </div>
      <AttachmentChips attachments={attachments.map((attachment, index) => ({ ...attachment, key: `${index}` }))} />
    </>
  )
}
