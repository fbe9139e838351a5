import type { ModelEntry } from '../../../../src-main/shared/ipc-contract'
import { useServices } from '../../app-services'
import { useStrings } from '../../i18n'

/**
 * What a model reads besides text: guessed from its name by main, and overridden here. An embedded model's images
 * box is off and disabled (the embedded engine reads text only).
 */
export function ModelInputsControl({ model }: { model: ModelEntry }) {
  const t = useStrings()
  const { client } = useServices()
  const embedded = model.provider === 'gguf'
  const set = (inputs: { images?: boolean; documents?: boolean } | null) =>
    void client.call('settings:set-model-inputs', model.id, inputs)
  return (
    <fieldset className="model-inputs" data-testid={`model-inputs-${model.id}`}>
      <legend className="visually-hidden">{t.settings.modelInputs.legend(model.label)}</legend>
      <label>
        <input
          type="checkbox"
          data-testid="model-reads-images"
          checked={model.inputs.images}
          disabled={embedded}
          onChange={(event) => set({ images: event.target.checked })}
        />{' '}
        {t.settings.modelInputs.images}
      </label>
      <label>
        <input
          type="checkbox"
          data-testid="model-reads-documents"
          checked={model.inputs.documents}
          onChange={(event) => set({ documents: event.target.checked })}
        />{' '}
        {t.settings.modelInputs.documents}
      </label>
      {embedded ? (
        <span className="muted">{t.settings.modelInputs.embeddedNote}</span>
      ) : model.inputsSetByUser ? (
        <button type="button" className="button small ghost" onClick={() => set(null)}>
          {t.settings.modelInputs.reset}
        </button>
      ) : (
        <span className="muted">{t.settings.modelInputs.guessed}</span>
      )}
    </fieldset>
  )
}
