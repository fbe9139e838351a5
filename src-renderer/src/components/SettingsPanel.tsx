import type { ReactNode } from 'react'
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

interface SettingsPart {
  id: string
  label: string
  content: ReactNode
}

/**
 * Every setting, in sections with a row of links at the top; the current mode's models first (local model entries
 * in local mode, the cloud backend in cloud mode).
 */
export function SettingsPanel({ actions, editModelId, onClose }: SettingsPanelProps) {
  const t = useStrings()
  const { settings } = actions
  const cloudMode = settings?.mode === 'cloud'
  const localModels: SettingsPart[] = [
    {
      id: 'models',
      label: t.settings.models,
      content: (
        <LocalModelsSection
          models={settings?.models ?? []}
          keysPersist={settings ? keysPersist(settings) : true}
          cloudMode={cloudMode}
          initialEditId={editModelId}
          onSave={actions.saveModel}
          onRemove={actions.removeModel}
        />
      ),
    },
    { id: 'model-files', label: t.modelFiles.title, content: <ModelFilesSection /> },
  ]
  const cloud: SettingsPart[] = [
    {
      id: 'cloud',
      label: t.cloud.title,
      content: <CloudBackendSection cloud={settings?.cloud} onLoad={actions.setCloudConfig} />,
    },
    {
      id: 'proxy',
      label: t.cloud.proxyTitle,
      content: (
        <ProxySection
          hasProxy={settings?.hasProxy ?? false}
          proxyHost={settings?.proxyHost}
          onSetProxy={actions.setProxy}
        />
      ),
    },
  ]
  const rest: SettingsPart[] = settings
    ? [
        {
          id: 'keys',
          label: t.secretStorage.title,
          content: (
            <SecretStorageSection
              status={settings.secretStorage}
              storeUnencrypted={settings.preferences.storeSecretsUnencrypted}
              onChange={actions.setPreferences}
            />
          ),
        },
        {
          id: 'mode',
          label: t.modeSettings.title,
          content: (
            <ModeSection
              mode={settings.mode}
              cloudConfigured={settings.cloud !== undefined}
              onSetMode={actions.setMode}
            />
          ),
        },
        {
          id: 'generation',
          label: t.generation.title,
          content: (
            <GenerationSection
              generation={settings.generation}
              models={generationModels(settings)}
              prices={settings.prices}
              onSetParameters={actions.setParameters}
              onSetPrice={actions.setPrice}
              onSetSystemPrompt={actions.setDefaultSystemPrompt}
            />
          ),
        },
        {
          id: 'preferences',
          label: t.preferences.title,
          content: <PreferencesSection preferences={settings.preferences} onChange={actions.setPreferences} />,
        },
      ]
    : []
  const parts = [
    ...(cloudMode ? [...cloud, ...localModels] : [...localModels, ...cloud]),
    ...rest,
    { id: 'backups', label: t.backups.title, content: <BackupsSection /> },
  ]
  return (
    <Drawer title={t.settings.title} testId="settings-panel" onClose={onClose}>
      <nav className="settings-nav" aria-label={t.settings.sectionsLabel} data-testid="settings-nav">
        {parts.map((part) => (
          <button
            key={part.id}
            type="button"
            className="settings-nav-link"
            data-testid={`settings-nav-${part.id}`}
            onClick={() => showPart(part.id)}
          >
            {part.label}
          </button>
        ))}
      </nav>
      {parts.map((part) => (
        <div key={part.id} id={partAnchor(part.id)} className="settings-part" tabIndex={-1}>
          {part.content}
        </div>
      ))}
    </Drawer>
  )
}

const partAnchor = (id: string) => `settings-part-${id}`

/** Scrolls a section to the top and moves the focus there, so Tab goes on from it. */
function showPart(id: string) {
  const part = document.getElementById(partAnchor(id))
  part?.scrollIntoView({ block: 'start' })
  part?.focus({ preventScroll: true })
}
