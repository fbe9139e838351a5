import { useRef, useState, type FormEvent } from 'react'
import type { DiscoveredModels, ModelEntry, ModelInput, PublicSettings } from '../../../src-main/shared/ipc-contract'
import { PROVIDER_PRESETS, presetForBaseUrl } from '../../../src-main/shared/provider-presets'
import { useServices } from '../app-services'
import { sendsKeyInClearText, urlOrigin } from '../../../src-main/shared/server-address'
import { useStrings } from '../i18n'
import { messageText } from '../i18n/main-message'
import { MainMessage } from './MainMessage'

interface ModelEditorProps {
  /** The entry to edit; absent adds a new one. */
  entry?: ModelEntry
  /** A key saved now survives a restart; else it is kept for the session (no keychain), and the field says so. */
  keysPersist?: boolean
  onSave(input: ModelInput): Promise<PublicSettings | undefined>
  onCancel(): void
}

/**
 * The add/edit form. Empty fields take the defaults their placeholders show. The key is write-only, and bound to
 * the server it was saved for: a new origin needs the key again, and plain http:// to another computer needs the
 * user's confirmation (the settings store applies the same rules and refuses without them).
 */
export function ModelEditor({ entry, keysPersist = true, onSave, onCancel }: ModelEditorProps) {
  const t = useStrings()
  const defaults = t.modelDefaults
  const [label, setLabel] = useState(entry?.label ?? '')
  const [baseUrl, setBaseUrl] = useState(entry?.baseUrl ?? '')
  const [model, setModel] = useState(entry?.model ?? '')
  const [apiKey, setApiKey] = useState('')
  const [invalidUrl, setInvalidUrl] = useState(false)
  const [saving, setSaving] = useState(false)
  const [clearTextConfirmed, setClearTextConfirmed] = useState(false)
  const [showKeyRules, setShowKeyRules] = useState(false)
  const [discovery, setDiscovery] = useState<Discovery>({ state: 'idle' })
  const keyInput = useRef<HTMLInputElement>(null)
  const { client } = useServices()
  const preset = presetForBaseUrl(baseUrl.trim() || defaults.baseUrl)
  const modelOrDefault = model.trim() || defaults.model
  const url = baseUrl.trim() || defaults.baseUrl
  const newOrigin = urlOrigin(url)
  // The saved key would follow the address to another server: it must be typed again (or cleared).
  const keyNeeded = entry?.hasApiKey === true && apiKey === '' && newOrigin !== urlOrigin(entry.baseUrl)
  const sendsKey = apiKey !== '' || (entry?.hasApiKey === true && !keyNeeded)
  const clearText = sendsKey && sendsKeyInClearText(url)

  const discover = async () => {
    if (!isHttpUrl(url)) {
      setInvalidUrl(true)
      return
    }
    setDiscovery({ state: 'asking' })
    const found = await client.call('models:discover', {
      baseUrl: url,
      ...(apiKey !== '' && { apiKey }),
      ...(entry && { modelId: entry.id }),
      ...(clearTextConfirmed && { allowKeyOverHttp: true }),
    })
    setDiscovery(found ? { state: 'done', found } : { state: 'idle' })
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!isHttpUrl(url)) {
      setInvalidUrl(true)
      return
    }
    if (keyNeeded || (clearText && !clearTextConfirmed)) {
      setShowKeyRules(true)
      if (keyNeeded) keyInput.current?.focus()
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
      ...(clearText && { allowKeyOverHttp: true }),
    })
    setSaving(false)
  }

  return (
    <form className="model-editor" onSubmit={submit} noValidate>
      <h3>{entry ? t.settings.editTitle(entry.label) : t.settings.newModelTitle}</h3>
      <label className="field">
        <span>{t.settings.provider}</span>
        <select
          data-testid="model-edit-provider"
          value={preset?.id ?? ''}
          onChange={(event) => {
            const chosen = PROVIDER_PRESETS.find((candidate) => candidate.id === event.target.value)
            if (!chosen) return
            setBaseUrl(chosen.baseUrl)
            setInvalidUrl(false)
            setDiscovery({ state: 'idle' })
          }}
        >
          <option value="">{t.settings.customProvider}</option>
          {PROVIDER_PRESETS.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.name}
            </option>
          ))}
        </select>
        {preset && (
          <span className="muted" data-testid="model-edit-provider-hint">
            {preset.key.needed ? t.settings.presetNeedsKey(preset.key.where) : t.settings.presetNoKey}
          </span>
        )}
      </label>
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
        <span className="field-row">
          <input
            data-testid="model-edit-model"
            spellCheck={false}
            value={model}
            placeholder={defaults.model}
            onChange={(event) => setModel(event.target.value)}
          />
          <button
            type="button"
            className="button small"
            data-testid="model-edit-discover"
            disabled={discovery.state === 'asking'}
            onClick={() => void discover()}
          >
            {discovery.state === 'asking' ? t.settings.discovering : t.settings.discoverModels}
          </button>
        </span>
      </label>
      {discovery.state === 'done' && discovery.found.ok && (
        <label className="field">
          <span>{t.settings.discoveredModels(discovery.found.models.length)}</span>
          <select
            data-testid="model-edit-discovered"
            value={discovery.found.models.includes(model) ? model : ''}
            onChange={(event) => event.target.value !== '' && setModel(event.target.value)}
          >
            <option value="">{t.settings.pickModel}</option>
            {discovery.found.models.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
      )}
      {discovery.state === 'done' && !discovery.found.ok && (
        <p className="field-error" role="alert" data-testid="model-edit-discover-error">
          <MainMessage message={discovery.found.message} />
          {discovery.found.hint && <span className="muted"> {messageText(t, discovery.found.hint)}</span>}
        </p>
      )}
      <label className="field">
        <span>{t.settings.apiKey}</span>
        <input
          data-testid="model-edit-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          ref={keyInput}
          value={apiKey}
          aria-invalid={showKeyRules && keyNeeded}
          placeholder={
            entry?.hasApiKey
              ? t.settings.apiKeyPlaceholderSet
              : keysPersist
                ? t.settings.apiKeyPlaceholderNew
                : t.settings.apiKeyPlaceholderSession
          }
          onChange={(event) => setApiKey(event.target.value)}
        />
        {keyNeeded && newOrigin && (
          <span className={showKeyRules ? 'field-error' : 'muted'} data-testid="model-edit-key-needed">
            {t.settings.keyForNewServer(newOrigin)}
          </span>
        )}
      </label>
      {clearText && (
        <label className="check-field">
          <input
            type="checkbox"
            data-testid="model-edit-allow-http"
            checked={clearTextConfirmed}
            onChange={(event) => setClearTextConfirmed(event.target.checked)}
          />
          <span>{t.settings.keyOverHttp(hostOf(url))}</span>
        </label>
      )}
      {clearText && showKeyRules && !clearTextConfirmed && (
        <p className="field-error" role="alert" data-testid="model-edit-http-error">
          {t.settings.keyOverHttpRequired}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button primary" data-testid="model-save" disabled={saving}>
          {t.settings.save}
        </button>
        <button type="button" className="button ghost" data-testid="model-cancel" onClick={onCancel}>
          {t.settings.cancel}
        </button>
      </div>
    </form>
  )
}

type Discovery = { state: 'idle' } | { state: 'asking' } | { state: 'done'; found: DiscoveredModels }

function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text)
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}
