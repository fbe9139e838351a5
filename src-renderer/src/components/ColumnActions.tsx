import { useEffect, useState } from 'react'
import { useStrings } from '../i18n'

interface ColumnActionsProps {
  label: string
  /** The answer's markdown source: copied as is, never the rendered HTML. */
  text: string
  /** Regenerating waits until this version has ended. */
  done: boolean
  /** The answer failed: asking again is a retry. */
  retry?: boolean
  /** Absent where a new version cannot be asked for. */
  onRegenerate?: () => void
}

/** Under an answer: copy it as Markdown, and ask the model again (the answer stays as a version). */
export function ColumnActions({ label, text, done, retry = false, onRegenerate }: ColumnActionsProps) {
  const t = useStrings()
  const [copied, setCopied] = useState(false)
  useEffect(() => {
    if (!copied) return
    const timer = setTimeout(() => setCopied(false), 1500)
    return () => clearTimeout(timer)
  }, [copied])
  const copy = () =>
    // navigator.clipboard is missing outside secure contexts; copying is then simply unavailable.
    navigator.clipboard?.writeText(text).then(
      () => setCopied(true),
      () => undefined,
    )
  return (
    <div className="column-actions">
      {/* The button keeps its name ("Copy …"), so a screen reader hears the copy from here. */}
      <span className="visually-hidden" role="status" data-testid="column-copy-announcement">
        {copied ? t.answerActions.copiedAnnouncement(label) : ''}
      </span>
      {text !== '' && (
        <button
          type="button"
          className="button small"
          data-testid="column-copy"
          aria-label={t.answerActions.copyLabel(label)}
          onClick={copy}
        >
          {copied ? t.answerActions.copied : t.answerActions.copy}
        </button>
      )}
      {onRegenerate && (
        <button
          type="button"
          className="button small"
          data-testid="column-regenerate"
          aria-label={retry ? t.answerActions.retryLabel(label) : t.answerActions.regenerateLabel(label)}
          disabled={!done}
          onClick={onRegenerate}
        >
          {retry ? t.answerActions.retry : t.answerActions.regenerate}
        </button>
      )}
    </div>
  )
}
