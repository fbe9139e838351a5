import type { AppPreferences, SecretStorageStatus } from '../../../../src-main/shared/ipc-contract'
import { useServices } from '../../app-services'
import { useStrings } from '../../i18n'

interface SecretStorageSectionProps {
  status: SecretStorageStatus
  storeUnencrypted: boolean
  /** Resolves to undefined when saved, else why not, in plain words. */
  onChange(changes: Partial<AppPreferences>): Promise<string | undefined>
}

/**
 * Says plainly when secrets cannot be encrypted at rest (no keychain, or Linux's basic_text), and what happens to
 * them instead; storing them unencrypted is the user's choice here, nowhere else. Nothing shows with a keychain.
 */
export function SecretStorageSection({ status, storeUnencrypted, onChange }: SecretStorageSectionProps) {
  const t = useStrings()
  const { toasts } = useServices()
  if (status.encrypted) return null
  const change = async (store: boolean) => {
    const problem = await onChange({ storeSecretsUnencrypted: store })
    if (problem) toasts.show(problem, 'error')
  }
  return (
    <section className="settings-section secret-storage" data-testid="secret-storage-notice" role="note">
      <h3>{t.secretStorage.title}</h3>
      <p>{status.weakness === 'basic-text' ? t.secretStorage.basicText : t.secretStorage.unavailable}</p>
      {!storeUnencrypted && <p className="muted">{t.secretStorage.sessionOnly}</p>}
      <label className="check-field">
        <input
          type="checkbox"
          data-testid="store-secrets-unencrypted"
          checked={storeUnencrypted}
          onChange={(event) => void change(event.target.checked)}
        />
        <span>{t.secretStorage.storeUnencrypted}</span>
      </label>
      <p className="muted">{t.secretStorage.storeUnencryptedHelp}</p>
      {(status.sessionOnly > 0 || status.unencryptedOnDisk > 0) && (
        <p className="muted" data-testid="secret-storage-counts">
          {status.sessionOnly > 0 && t.secretStorage.inMemory(status.sessionOnly)}{' '}
          {status.unencryptedOnDisk > 0 && t.secretStorage.onDisk(status.unencryptedOnDisk)}
        </p>
      )}
    </section>
  )
}
