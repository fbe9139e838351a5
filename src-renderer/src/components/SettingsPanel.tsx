import type { PublicSettings } from '../../../src-main/shared/ipc-contract'
import type { SettingsActions } from '../hooks/use-settings'
import { useStrings } from '../i18n'
import { Drawer } from './Drawer'
import { BackupsSection } from './settings/BackupsSection'
import { CloudBackendSection } from './settings/CloudBackendSection'
import { LocalModelsSection } from './settings/LocalModelsSection'
import { ModelFilesSection } from './settings/ModelFilesSection'
import { ModeSection } from './settings/ModeSection'
import { PreferencesSection } from './settings/PreferencesSection'
import { GenerationSection } from './settings/GenerationSection'
import { ProxySection } from './settings/ProxySection'
import { SecretStorageSection } from './settings/SecretStorageSection'
import { generationModels } from '../state/mode-models'

/** Whether a key typed now survives a restart: encrypted by the keychain, or stored unencrypted by choice. */
function keysPersist(settings: PublicSettings): boolean {
  return settings.secretStorage.encrypted || settings.preferences.storeSecretsUnencrypted
}

interface SettingsPanelProps {
  actions: SettingsActions
  /** Opens at this local model's form (a column's "Edit model"). */
  editModelId?: string | undefined
  onClose(): void
}

/** Every setting, the current mode's first: local models in local mode, the cloud backend in cloud mode. */
export function SettingsPanel({ actions, editModelId, onClose }: SettingsPanelProps) {
  const t = useStrings()
  const { settings } = actions
  const cloudMode = settings?.mode === 'cloud'
  const localModels = [
    <ModelFilesSection key="model-files" />,
    <LocalModelsSection
      key="local-models"
      models={settings?.models ?? []}
      keysPersist={settings ? keysPersist(settings) : true}
      cloudMode={cloudMode}
      initialEditId={editModelId}
      onSave={actions.saveModel}
      onRemove={actions.removeModel}
    />,
  ]
  const cloud = [
    <CloudBackendSection key="cloud" cloud={settings?.cloud} onLoad={actions.setCloudConfig} />,
    <ProxySection
      key="proxy"
      hasProxy={settings?.hasProxy ?? false}
      proxyHost={settings?.proxyHost}
      onSetProxy={actions.setProxy}
    />,
  ]
  return (
    <Drawer title={t.settings.title} testId="settings-panel" onClose={onClose}>
      {settings && (
        <ModeSection mode={settings.mode} cloudConfigured={settings.cloud !== undefined} onSetMode={actions.setMode} />
      )}
      {settings && (
        <SecretStorageSection
          status={settings.secretStorage}
          storeUnencrypted={settings.preferences.storeSecretsUnencrypted}
          onChange={actions.setPreferences}
        />
      )}
      {cloudMode ? [...cloud, ...localModels] : [...localModels, ...cloud]}
      {settings && (
        <GenerationSection
          generation={settings.generation}
          models={generationModels(settings)}
          prices={settings.prices}
          onSetParameters={actions.setParameters}
          onSetPrice={actions.setPrice}
          onSetSystemPrompt={actions.setDefaultSystemPrompt}
        />
      )}
      {settings && <PreferencesSection preferences={settings.preferences} onChange={actions.setPreferences} />}
      <BackupsSection />
    </Drawer>
  )
}
