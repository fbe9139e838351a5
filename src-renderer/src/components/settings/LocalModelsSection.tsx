import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { ModelCheck, ModelEntry, ModelInput, PublicSettings } from '../../../../src-main/shared/ipc-contract'
import { useServices } from '../../app-services'
import { useStrings } from '../../i18n'
import { CommandHint } from '../CommandHint'
import { messageText } from '../../i18n/main-message'
import { MainMessage } from '../MainMessage'
import { ModelEditor } from '../ModelEditor'
import { ModelInputsControl } from './ModelInputsControl'

interface LocalModelsSectionProps {
  models: readonly ModelEntry[]
  /** A key typed now survives a restart (see SecretStorageSection); else it lasts for the session. */
  keysPersist: boolean
  /** In cloud mode these entries wait for local mode; the section says so. */
  cloudMode: boolean
  /** Opens with this model's form, scrolled to and focused (a column's "Edit model"). */
  initialEditId?: string | undefined
  onSave(input: ModelInput): Promise<PublicSettings | undefined>
  onRemove(modelId: string): Promise<PublicSettings | undefined>
}

/** Which form is open: a new model's, one model's (at its row), or none. */
type OpenForm = { kind: 'new'; generation: number } | { kind: 'edit'; modelId: string } | undefined

/**
 * The local mode's model entries: list, connection check, and the add/edit form, which opens at the row it edits
 * (or under the list for a new model), closes on Save, and the saved model is checked at once.
 */
export function LocalModelsSection(props: LocalModelsSectionProps) {
  const { models, keysPersist, cloudMode, initialEditId, onSave, onRemove } = props
  const t = useStrings()
  const { client } = useServices()
  const [form, setForm] = useState<OpenForm>(() =>
    initialEditId !== undefined
      ? { kind: 'edit', modelId: initialEditId }
      : models.length === 0
        ? { kind: 'new', generation: 0 }
        : undefined,
  )
  const [savedNote, setSavedNote] = useState(false)
  const [checks, setChecks] = useState<Readonly<Record<string, ModelCheck>>>({})
  const [checking, setChecking] = useState(false)
  const list = useRef<HTMLUListElement>(null)

  // "Edit model" from a column: the form at its row, in view, its first field focused.
  useEffect(() => {
    if (initialEditId === undefined) return
    const row = list.current?.querySelector(`[data-testid="model-row-${CSS.escape(initialEditId)}"]`)
    row?.scrollIntoView({ block: 'start' })
    row?.querySelector<HTMLElement>('input')?.focus()
  }, [initialEditId])

  const check = async (modelIds: string[]) => {
    const results = await client.call('models:check', modelIds)
    if (results) setChecks((current) => ({ ...current, ...Object.fromEntries(results.map((r) => [r.modelId, r])) }))
  }
  const startNew = () =>
    setForm((current) => ({ kind: 'new', generation: (current?.kind === 'new' ? current.generation : 0) + 1 }))
  const save = async (input: ModelInput) => {
    const before = new Set(models.map((model) => model.id))
    const next = await onSave(input)
    setSavedNote(next !== undefined)
    if (next && input.apiKey !== null) {
      setForm(undefined)
      const savedId = input.id ?? next.models.find((model) => !before.has(model.id))?.id
      if (savedId !== undefined) void check([savedId])
    }
    return next
  }
  const remove = async (modelId: string) => {
    if (form?.kind === 'edit' && form.modelId === modelId) setForm(undefined)
    await onRemove(modelId)
  }
  const clearKey = ({ id, label, provider, baseUrl, model }: ModelEntry) =>
    save({ id, label, provider, baseUrl, model, apiKey: null })
  const checkConnection = async () => {
    setChecking(true)
    await check(models.map((model) => model.id))
    setChecking(false)
  }
  const editor = (entry?: ModelEntry) => (
    <ModelEditor entry={entry} keysPersist={keysPersist} onSave={save} onCancel={() => setForm(undefined)} />
  )

  return (
    <section className="settings-section" data-testid="local-models-section">
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
      <ul className="model-list" ref={list}>
        {models.map((model) => {
          const editing = form?.kind === 'edit' && form.modelId === model.id
          return (
            <ModelRow
              key={model.id}
              model={model}
              check={checks[model.id]}
              editing={editing}
              onEdit={() => setForm({ kind: 'edit', modelId: model.id })}
              onClearKey={() => void clearKey(model)}
              onRemove={() => void remove(model.id)}
            >
              {editing && editor(model)}
            </ModelRow>
          )
        })}
      </ul>
      {form?.kind === 'new' && <div key={form.generation}>{editor()}</div>}
      <p className="saved-note" aria-live="polite">
        {savedNote ? t.settings.saved : ''}
      </p>
    </section>
  )
}

interface ModelRowProps {
  model: ModelEntry
  check: ModelCheck | undefined
  editing: boolean
  onEdit(): void
  onClearKey(): void
  onRemove(): void
  /** The edit form, open at this row. */
  children?: ReactNode
}

function ModelRow({ model, check, editing, onEdit, onClearKey, onRemove, children }: ModelRowProps) {
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
          <strong>{check.reachable ? t.settings.reachable : t.settings.unreachable}</strong>{' '}
          <MainMessage message={check.message} />
          {check.hint && (
            <div className="endpoint-hint">
              <CommandHint hint={messageText(t, check.hint)} />
            </div>
          )}
        </div>
      )}
      {children && <div className="model-row-editor">{children}</div>}
    </li>
  )
}
