import { useState, type FormEvent } from 'react'
import type { ModelEntry, ModelInput, PublicSettings } from '../../../src-main/shared/ipc-contract'
import { useStrings } from '../i18n'

interface ModelEditorProps {
  /** The entry to edit; absent adds a new one. */
  entry?: ModelEntry
  onSave(input: ModelInput): Promise<PublicSettings | undefined>
  onCancel(): void
}

/** The add/edit form. Empty fields take the defaults their placeholders show. The key is write-only. */
export function ModelEditor({ entry, onSave, onCancel }: ModelEditorProps) {
  const t = useStrings()
  const defaults = t.modelDefaults
  const [label, setLabel] = useState(entry?.label ?? '')
  const [baseUrl, setBaseUrl] = useState(entry?.baseUrl ?? '')
  const [model, setModel] = useState(entry?.model ?? '')
  const [apiKey, setApiKey] = useState('')
  const [invalidUrl, setInvalidUrl] = useState(false)
  const [saving, setSaving] = useState(false)
  const modelOrDefault = model.trim() || defaults.model

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const url = baseUrl.trim() || defaults.baseUrl
    if (!isHttpUrl(url)) {
      setInvalidUrl(true)
      return
    }
    setSaving(true)
    await onSave({
      ...(entry && { id: entry.id }),
      label: label.trim() || modelOrDefault,
      provider: 'openai-compatible',
      baseUrl: url,
      model: modelOrDefault,
      ...(apiKey !== '' && { apiKey }),
    })
    setSaving(false)
  }

  return (
    <form className="model-editor" onSubmit={submit} noValidate>
      <h3>{entry ? t.settings.editTitle(entry.label) : t.settings.newModelTitle}</h3>
      <label className="field">
        <span>{t.settings.label}</span>
        <input
          data-testid="model-edit-label"
          value={label}
          placeholder={modelOrDefault}
          onChange={(event) => setLabel(event.target.value)}
        />
      </label>
      <label className="field">
        <span>{t.settings.baseUrl}</span>
        <input
          data-testid="model-edit-base-url"
          inputMode="url"
          spellCheck={false}
          value={baseUrl}
          placeholder={defaults.baseUrl}
          aria-invalid={invalidUrl}
          onChange={(event) => {
            setBaseUrl(event.target.value)
            setInvalidUrl(false)
          }}
        />
        {invalidUrl && <span className="field-error">{t.settings.invalidBaseUrl}</span>}
      </label>
      <label className="field">
        <span>{t.settings.model}</span>
        <input
          data-testid="model-edit-model"
          spellCheck={false}
          value={model}
          placeholder={defaults.model}
          onChange={(event) => setModel(event.target.value)}
        />
      </label>
      <label className="field">
        <span>{t.settings.apiKey}</span>
        <input
          data-testid="model-edit-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={apiKey}
          placeholder={entry?.hasApiKey ? t.settings.apiKeyPlaceholderSet : t.settings.apiKeyPlaceholderNew}
          onChange={(event) => setApiKey(event.target.value)}
        />
      </label>
      <div className="form-actions">
        <button type="submit" className="button primary" data-testid="model-save" disabled={saving}>
          {t.settings.save}
        </button>
        {entry && (
          <button type="button" className="button ghost" onClick={onCancel}>
            {t.settings.cancel}
          </button>
        )}
      </div>
    </form>
  )
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text)
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}
