import type { ModelEntry } from '../../../src-main/shared/ipc-contract'
import { t } from '../i18n'

interface ModelPickerProps {
  /** Undefined until settings have loaded. */
  models: readonly ModelEntry[] | undefined
  selectedIds: readonly string[]
  onChange(selectedIds: string[]): void
  onAddModel(): void
}

export function ModelPicker({ models, selectedIds, onChange, onAddModel }: ModelPickerProps) {
  if (!models) return <div className="model-picker" data-testid="model-picker" />
  if (models.length === 0) {
    return (
      <div className="model-picker" data-testid="model-picker">
        <span className="muted">{t.picker.noModels}</span>
        <button type="button" className="button small" onClick={onAddModel}>
          {t.picker.addModels}
        </button>
      </div>
    )
  }
  const toggle = (modelId: string) => {
    const next = selectedIds.includes(modelId)
      ? selectedIds.filter((id) => id !== modelId)
      : models.filter((model) => model.id === modelId || selectedIds.includes(model.id)).map((model) => model.id)
    if (next.length > 0) onChange(next)
  }
  return (
    <fieldset className="model-picker" data-testid="model-picker">
      <legend className="visually-hidden">{t.picker.ariaLabel}</legend>
      {models.map((model) => {
        const checked = selectedIds.includes(model.id)
        const isLast = checked && selectedIds.length === 1
        return (
          <label
            key={model.id}
            className="model-chip"
            data-checked={checked}
            title={isLast ? t.picker.keepOne : model.model}
          >
            <input
              type="checkbox"
              data-testid={`model-option-${model.id}`}
              checked={checked}
              disabled={isLast}
              onChange={() => toggle(model.id)}
            />
            <span>{model.label}</span>
          </label>
        )
      })}
    </fieldset>
  )
}
