/**
 * The user's word on what a model reads (Settings), over the guess from its name (shared/model-inputs). Stored by
 * model id like prices, so local and cloud models are alike; a value that does not check (a hand-edited file) is
 * ignored on its own, never a reason to set the settings file aside.
 */
import type { ModelInputs } from '../../shared/attachment'
import { canOverrideImages, defaultModelInputs, type ModelIdentity } from '../../shared/model-inputs'

export type InputOverride = Partial<ModelInputs>

/** The overrides that check, from the settings file's `modelInputs`. */
export function readInputOverrides(raw: Record<string, unknown> | undefined): Record<string, InputOverride> {
  return Object.fromEntries(
    Object.entries(raw ?? {}).flatMap(([id, value]) => {
      if (typeof value !== 'object' || value === null) return []
      const { images, documents } = value as Record<string, unknown>
      const override: InputOverride = {
        ...(typeof images === 'boolean' ? { images } : {}),
        ...(typeof documents === 'boolean' ? { documents } : {}),
      }
      return Object.keys(override).length > 0 ? [[id, override]] : []
    }),
  )
}

/** What the model reads: its default, with the user's override where one is set and can apply. */
export function effectiveInputs(model: ModelIdentity, override: InputOverride | undefined): ModelInputs {
  const inputs = { ...defaultModelInputs(model), ...override }
  return canOverrideImages(model.provider) ? inputs : { ...inputs, images: false }
}

/** Why an override cannot be saved for this model, or undefined. */
export function overrideProblem(model: ModelIdentity, override: InputOverride): string | undefined {
  if (override.images === true && !canOverrideImages(model.provider))
    return 'The embedded engine cannot read images: this model can only be given text.'
  return undefined
}
