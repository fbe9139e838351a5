import { useId, useState } from 'react'
import { useStrings } from '../i18n'
import { MAX_SYSTEM_PROMPT_CHARS } from '../../../src-main/shared/generation'

interface SystemPromptControlProps {
  value: string
  onChange(text: string): void
}

/**
 * The conversation's system prompt, above the prompt box: a button that says whether one is set and opens a text
 * area for it. Sent first to every model with each prompt of this conversation.
 */
export function SystemPromptControl({ value, onChange }: SystemPromptControlProps) {
  const t = useStrings()
  const [open, setOpen] = useState(false)
  const areaId = useId()
  const set = value.trim() !== ''
  return (
    <div className="system-prompt">
      <button
        type="button"
        className="button ghost system-prompt-toggle"
        data-testid="system-prompt-toggle"
        aria-expanded={open}
        aria-controls={areaId}
        onClick={() => setOpen(!open)}
      >
        {set ? t.systemPrompt.buttonSet : t.systemPrompt.button}
      </button>
      {open && (
        <textarea
          id={areaId}
          className="system-prompt-input"
          data-testid="system-prompt-input"
          aria-label={t.systemPrompt.ariaLabel}
          placeholder={t.systemPrompt.placeholder}
          maxLength={MAX_SYSTEM_PROMPT_CHARS}
          rows={3}
          value={value}
          onChange={(event) => onChange(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') setOpen(false)
          }}
        />
      )}
    </div>
  )
}
