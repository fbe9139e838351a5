import type { AppMode } from '../../../../src-main/shared/ipc-contract'
import { useStrings } from '../../i18n'

interface ModeSectionProps {
  mode: AppMode
  /** Cloud mode needs the backend's settings; until they are loaded it cannot be chosen. */
  cloudConfigured: boolean
  onSetMode(mode: AppMode): void
}

export function ModeSection({ mode, cloudConfigured, onSetMode }: ModeSectionProps) {
  const t = useStrings()
  const options = [
    { value: 'local', label: t.modeSettings.local, detail: t.modeSettings.localDetail, disabled: false },
    {
      value: 'cloud',
      label: t.modeSettings.cloud,
      detail: t.modeSettings.cloudDetail,
      disabled: !cloudConfigured && mode !== 'cloud',
    },
  ] as const
  return (
    <fieldset className="settings-section choice-group">
      <legend>
        <h3>{t.modeSettings.title}</h3>
      </legend>
      {options.map((option) => (
        <label key={option.value} className="choice" data-disabled={option.disabled || undefined}>
          <input
            type="radio"
            name="mode"
            data-testid={`mode-${option.value}`}
            value={option.value}
            checked={mode === option.value}
            disabled={option.disabled}
            onChange={() => onSetMode(option.value)}
          />
          <span className="choice-text">
            <strong>{option.label}</strong>
            <span className="muted">{option.detail}</span>
          </span>
        </label>
      ))}
      {!cloudConfigured && <p className="muted">{t.modeSettings.needsBackend}</p>}
    </fieldset>
  )
}
