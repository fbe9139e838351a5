import { safeStorage } from 'electron'
import type { SecretCodec } from '../core/settings/settings-store'

/** API keys at rest through the OS keychain (Keychain, DPAPI, libsecret). Without one, keys are kept as text. */
export function safeStorageCodec(): SecretCodec {
  const encrypts = safeStorage.isEncryptionAvailable()
  return {
    encrypts,
    encrypt: (plain) => (encrypts ? `safe:${safeStorage.encryptString(plain).toString('base64')}` : `plain:${plain}`),
    decrypt: (stored) =>
      stored.startsWith('safe:')
        ? safeStorage.decryptString(Buffer.from(stored.slice(5), 'base64'))
        : stored.replace(/^plain:/, ''),
  }
}
