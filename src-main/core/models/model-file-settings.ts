/**
 * Keeps the settings' model columns in step with the models folder: a downloaded or added GGUF file becomes a
 * local model entry (selected right away on the first-run offer), and a deleted file's entry goes.
 *
 * Not wired yet: it needs the settings' model kind for a local GGUF file, which lands with the node-llama-cpp
 * provider. Until then the files are managed but do not appear as columns.
 */
import type { PublicSettings } from '../../shared/ipc-contract'
import type { SettingsStore } from '../settings/settings-store'
import type { ModelManagerOptions } from './model-manager'

export function modelFileSettingsHooks(
  _settings: SettingsStore,
  _settingsChanged: (view: PublicSettings) => void,
): Pick<ModelManagerOptions, 'onInstalled' | 'onRemoved'> {
  return {}
}
