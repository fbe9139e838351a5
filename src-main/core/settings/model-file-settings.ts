/**
 * Keeps the settings' model columns in step with the models folder: a downloaded or added GGUF file becomes a
 * local 'gguf' model entry (on the first-run offer it also becomes the only selected model, since no server
 * answered), and a deleted file's entries go. Each change is announced as `settings:changed`.
 */
import type { PublicSettings } from '../../shared/ipc-contract'
import type { SettingsStore } from './settings-store'
import type { ModelManagerOptions } from '../models/model-manager'

const MAX_LABEL = 80

export function modelFileSettingsHooks(
  settings: SettingsStore,
  settingsChanged: (view: PublicSettings) => void,
): Pick<ModelManagerOptions, 'onInstalled' | 'onRemoved'> {
  return {
    async onInstalled(model, { select, label }) {
      const name =
        (label ?? model.name ?? model.fileName.replace(/\.gguf$/i, '')).trim().slice(0, MAX_LABEL) ||
        model.fileName.slice(0, MAX_LABEL)
      let view = await settings.saveGgufModel({ file: model.fileName, label: name })
      const entry = view.models.find((m) => m.provider === 'gguf' && m.file === model.fileName)
      if (select && entry && view.mode === 'local') view = await settings.selectModels([entry.id])
      settingsChanged(view)
    },
    async onRemoved(model) {
      settingsChanged(await settings.removeGgufModels(model.fileName))
    },
  }
}
