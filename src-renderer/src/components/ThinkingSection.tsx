import { useId, useState } from 'react'
import { formatDuration } from '../format/answer-facts'
import { useStrings } from '../i18n'
import { MarkdownView } from './MarkdownView'

interface ThinkingSectionProps {
  reasoning: string
  /** The model is thinking now (no answer text yet): the section is open and streams. */
  thinking: boolean
  /** How long it thought, once known. */
  durationMs: number | undefined
  /** Reasoning blocks the provider sent encrypted. */
  redacted: number
}

/**
 * The model's thinking, above its answer. Open while the model thinks, folded once the answer starts (and when
 * reopened from history); the user's own choice wins from then on. Folded, the markdown is not rendered at all,
 * so a long chain of thought costs nothing until it is opened.
 */
export function ThinkingSection({ reasoning, thinking, durationMs, redacted }: ThinkingSectionProps) {
  const t = useStrings()
  const bodyId = useId()
  const [userOpen, setUserOpen] = useState<boolean>()
  if (reasoning === '' && redacted === 0) return null
  const open = userOpen ?? thinking
  const summary = thinking
    ? t.thinking.thinkingNow
    : durationMs === undefined
      ? t.thinking.thought
      : t.thinking.thoughtFor(formatDuration(durationMs, t))
  return (
    <div className="thinking" data-testid="column-thinking" data-open={open} data-thinking={thinking}>
      {reasoning !== '' && (
        <button
          type="button"
          className="thinking-toggle"
          data-testid="thinking-toggle"
          aria-expanded={open}
          aria-controls={bodyId}
          title={open ? t.thinking.hide : t.thinking.show}
          onClick={() => setUserOpen(!open)}
        >
          <span className="thinking-chevron" aria-hidden="true" />
          {thinking && <span className="spinner" aria-hidden="true" />}
          <span data-testid="thinking-summary">{summary}</span>
        </button>
      )}
      {open && reasoning !== '' && (
        <div id={bodyId} className="thinking-body">
          <MarkdownView text={reasoning} done={!thinking} testId="thinking-text" />
        </div>
      )}
      {redacted > 0 && (
        <p className="thinking-redacted" data-testid="thinking-redacted">
          {t.thinking.redacted(redacted)}
        </p>
      )}
    </div>
  )
}
