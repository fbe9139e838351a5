import type { ModelCheck } from '../../../src-main/shared/ipc-contract'
import { useStrings } from '../i18n'
import { messageText } from '../i18n/main-message'
import type { PickableModel } from '../state/mode-models'

interface ModelPickerProps {
  /** Undefined until settings have loaded. */
  models: readonly PickableModel[] | undefined
  selectedIds: readonly string[]
  onChange(selectedIds: string[]): void
  /** Offered when there are none; absent where models come with the mode (the cloud backend's). */
  onAddModel?: () => void
  /** The last checks of the selected models' servers: an unreachable one is marked on its chip, with why. */
  checks?: readonly ModelCheck[] | undefined
}

export function ModelPicker({ models, selectedIds, onChange, onAddModel, checks }: ModelPickerProps) {
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
        const unreachable = checks?.find((check) => check.modelId === model.id && !check.reachable)
        return (
          <label
            key={model.id}
            className="model-chip"
            data-checked={checked}
            data-unreachable={unreachable ? true : undefined}
            title={unreachable ? messageText(t, unreachable.message) : isLast ? t.picker.keepOne : model.detail}
          >
            <input
              type="checkbox"
              data-testid={`model-option-${model.id}`}
              checked={checked}
              disabled={isLast}
              onChange={() => toggle(model.id)}
            />
            <span>{model.label}</span>
            {unreachable && (
              <span className="chip-warning" data-testid={`model-unreachable-${model.id}`}>
                <span aria-hidden="true">!</span>
                <span className="visually-hidden">{t.picker.unreachable}</span>
              </span>
            )}
          </label>
        )
      })}
    </fieldset>
  )
}
