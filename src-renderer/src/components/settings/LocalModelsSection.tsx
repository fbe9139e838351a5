import { useState } from 'react'
import type { ModelCheck, ModelEntry, ModelInput, PublicSettings } from '../../../../src-main/shared/ipc-contract'
import { useServices } from '../../app-services'
import { useStrings } from '../../i18n'
import { CommandHint } from '../CommandHint'
import { ModelEditor } from '../ModelEditor'
import { ModelInputsControl } from './ModelInputsControl'

interface LocalModelsSectionProps {
  models: readonly ModelEntry[]
  /** A key typed now survives a restart (see SecretStorageSection); else it lasts for the session. */
  keysPersist: boolean
  /** In cloud mode these entries wait for local mode; the section says so. */
  cloudMode: boolean
  onSave(input: ModelInput): Promise<PublicSettings | undefined>
  onRemove(modelId: string): Promise<PublicSettings | undefined>
}

/** The local mode's model entries: list, connection check, add/edit form. */
export function LocalModelsSection({ models, keysPersist, cloudMode, onSave, onRemove }: LocalModelsSectionProps) {
  const t = useStrings()
  const { client } = useServices()
  const [editingId, setEditingId] = useState<string>()
  // Bumped to give the form a fresh, empty state after a save or on "Add model".
  const [formGeneration, setFormGeneration] = useState(0)
  const [savedNote, setSavedNote] = useState(false)
  const [checks, setChecks] = useState<Readonly<Record<string, ModelCheck>>>({})
  const [checking, setChecking] = useState(false)
  const editing = models.find((model) => model.id === editingId)

  const startNew = () => {
    setEditingId(undefined)
    setFormGeneration((n) => n + 1)
  }
  const save = async (input: ModelInput) => {
    const next = await onSave(input)
    setSavedNote(next !== undefined)
    if (next && input.apiKey !== null) startNew()
    return next
  }
  const remove = async (modelId: string) => {
    if (modelId === editingId) startNew()
    await onRemove(modelId)
  }
  const clearKey = ({ id, label, provider, baseUrl, model }: ModelEntry) =>
    save({ id, label, provider, baseUrl, model, apiKey: null })
  const checkConnection = async () => {
    setChecking(true)
    const results = await client.call(
      'models:check',
      models.map((model) => model.id),
    )
    setChecking(false)
    if (results) setChecks(Object.fromEntries(results.map((check) => [check.modelId, check])))
  }

  return (
    <>
      <section className="settings-section">
        <div className="section-head">
          <h3>{t.settings.models}</h3>
          <div className="section-actions">
            <button
              type="button"
              className="button small"
              data-testid="check-connection"
              onClick={checkConnection}
              disabled={checking || models.length === 0}
            >
              {checking ? t.settings.checking : t.settings.checkConnection}
            </button>
            <button type="button" className="button small" data-testid="model-add" onClick={startNew}>
              {t.settings.add}
            </button>
          </div>
        </div>
        {cloudMode && <p className="muted">{t.settings.localModelsNote}</p>}
        {models.length === 0 && <p className="muted">{t.settings.noModels}</p>}
        <ul className="model-list">
          {models.map((model) => (
            <ModelRow
              key={model.id}
              model={model}
              check={checks[model.id]}
              editing={model.id === editingId}
              onEdit={() => setEditingId(model.id)}
              onClearKey={() => void clearKey(model)}
              onRemove={() => void remove(model.id)}
            />
          ))}
        </ul>
      </section>
      <section className="settings-section">
        <ModelEditor
          key={`${editingId ?? 'new'}:${formGeneration}`}
          entry={editing}
          keysPersist={keysPersist}
          onSave={save}
          onCancel={startNew}
        />
        <p className="saved-note" aria-live="polite">
          {savedNote ? t.settings.saved : ''}
        </p>
      </section>
    </>
  )
}

interface ModelRowProps {
  model: ModelEntry
  check: ModelCheck | undefined
  editing: boolean
  onEdit(): void
  onClearKey(): void
  onRemove(): void
}

function ModelRow({ model, check, editing, onEdit, onClearKey, onRemove }: ModelRowProps) {
  const t = useStrings()
  const embedded = model.provider === 'gguf'
  return (
    <li className="model-row" data-testid={`model-row-${model.id}`} data-editing={editing}>
      <div className="model-row-main">
        <div className="model-row-title">
          <strong>{model.label}</strong>
          {embedded ? (
            <span className="badge ok">{t.settings.embeddedModel}</span>
          ) : (
            <span className={model.hasApiKey ? 'badge ok' : 'badge'}>
              {model.hasApiKey ? t.settings.keySet : t.settings.noKey}
            </span>
          )}
        </div>
        <div className="model-row-meta">
          <code>{model.file ?? model.model}</code>
          <span className="muted">{embedded ? t.settings.runsInside : model.baseUrl}</span>
        </div>
      </div>
      <div className="row-actions">
        {/* An embedded model's column is its file: it comes and goes with the file (Local model files). */}
        {!embedded && (
          <button
            type="button"
            className="button small ghost"
            aria-label={t.settings.editModel(model.label)}
            onClick={onEdit}
          >
            {t.settings.edit}
          </button>
        )}
        {model.hasApiKey && (
          <button
            type="button"
            className="button small ghost"
            aria-label={t.settings.clearKeyFor(model.label)}
            onClick={onClearKey}
          >
            {t.settings.clearKey}
          </button>
        )}
        <button
          type="button"
          className="button small danger-outline"
          data-testid={`model-remove-${model.id}`}
          aria-label={t.settings.removeModel(model.label)}
          onClick={onRemove}
        >
          {t.settings.remove}
        </button>
      </div>
      <ModelInputsControl model={model} />
      {check && (
        <div className="check-result" data-testid={`check-result-${model.id}`} data-reachable={check.reachable}>
          <strong>{check.reachable ? t.settings.reachable : t.settings.unreachable}</strong> {check.message}
          {check.hint && (
            <div className="endpoint-hint">
              <CommandHint hint={check.hint} />
            </div>
          )}
        </div>
      )}
    </li>
  )
}
