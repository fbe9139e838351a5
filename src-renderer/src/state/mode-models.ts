/**
 * The models the current mode offers: the editable local entries in local mode, the cloud backend's list in
 * cloud mode. Pure, so the main window and quick ask agree on what "selected" and "default" mean.
 */
import type { PublicSettings } from '../../../src-main/shared/ipc-contract'
import type { ModelPrice } from '../../../src-main/shared/price'

export interface PickableModel {
  id: string
  label: string
  /** Shown as a tooltip: the server's model name, or the cloud model id. */
  detail: string
}

export interface ModeModels {
  models: readonly PickableModel[]
  /** The picked models that the mode still offers, in the models' order. */
  selectedIds: readonly string[]
  /** Local entries can be added and edited in Settings; the cloud's come with the backend. */
  editable: boolean
}

export function modeModels(settings: PublicSettings): ModeModels {
  const models: PickableModel[] =
    settings.mode === 'cloud'
      ? (settings.cloud?.models ?? []).map(({ id, label }) => ({ id, label, detail: id }))
      : settings.models.map(({ id, label, model }) => ({ id, label, detail: model }))
  const picked = new Set(settings.selectedModelIds)
  return {
    models,
    selectedIds: models.filter((model) => picked.has(model.id)).map((model) => model.id),
    editable: settings.mode === 'local',
  }
}

/** A model as the generation settings see it: whether a reasoning effort means anything to it, and its list price. */
export interface GenerationModel {
  id: string
  label: string
  canReason: boolean
  /** The stack's list price (cloud models), the default the user's price overrides. */
  listPrice?: ModelPrice
}

/**
 * The current mode's models for Settings → Generation. A cloud model can reason when its stack says so; one whose
 * stack says nothing (deployed before it did) keeps the choice, since its catalog may allow it. Local
 * OpenAI-compatible servers are asked with `reasoning_effort`, which they may honour; embedded GGUF models have no
 * reasoning control.
 */
export function generationModels(settings: PublicSettings): GenerationModel[] {
  if (settings.mode === 'cloud')
    return (settings.cloud?.models ?? []).map(({ id, label, reasoning, price }) => ({
      id,
      label,
      canReason: reasoning !== false,
      ...(price ? { listPrice: price } : {}),
    }))
  return settings.models.map(({ id, label, provider }) => ({ id, label, canReason: provider !== 'gguf' }))
}
