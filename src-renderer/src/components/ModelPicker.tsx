import { useStrings } from '../i18n'
import type { PickableModel } from '../state/mode-models'

interface ModelPickerProps {
  /** Undefined until settings have loaded. */
  models: readonly PickableModel[] | undefined
  selectedIds: readonly string[]
  onChange(selectedIds: string[]): void
  /** Offered when there are none; absent where models come with the mode (the cloud backend's). */
  onAddModel?: () => void
}

export function ModelPicker({ models, selectedIds, onChange, onAddModel }: ModelPickerProps) {
  const t = useStrings()
  if (!models) return <div className="model-picker" data-testid="model-picker" />
  if (models.length === 0) {
    return (
      <div className="model-picker" data-testid="model-picker">
        <span className="muted">{onAddModel ? t.picker.noModels : t.picker.noCloudModels}</span>
        {onAddModel && (
          <button type="button" className="button small" onClick={onAddModel}>
            {t.picker.addModels}
          </button>
        )}
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
            title={isLast ? t.picker.keepOne : model.detail}
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
