import { safeStorage } from 'electron'
import { unencryptedCodec, type SecretCodec, type SecretStorageWeakness } from '../core/settings/secret-storage'

/**
 * Secrets at rest through the OS keychain (Keychain, DPAPI, libsecret/kwallet). Electron falls back on Linux to
 * `basic_text`, which "encrypts" with a hard-coded password: that is reported as no encryption, like a missing
 * keychain, and the core then keeps secrets in memory unless the user chooses otherwise. Call after app ready.
 */
export function safeStorageCodec(): SecretCodec {
  const weakness = storageWeakness()
  const plain = unencryptedCodec(weakness)
  if (weakness) {
    return {
      ...plain,
      // A `safe:` value from an earlier version (written under basic_text) still reads while safeStorage can.
      decrypt: (stored) => (stored.startsWith('safe:') ? decryptSafe(stored) : plain.decrypt(stored)),
    }
  }
  return {
    encrypts: true,
    encrypt: (secret) => `safe:${safeStorage.encryptString(secret).toString('base64')}`,
    decrypt: (stored) => (stored.startsWith('safe:') ? decryptSafe(stored) : plain.decrypt(stored)),
  }
}

function storageWeakness(): SecretStorageWeakness | undefined {
  if (!safeStorage.isEncryptionAvailable()) return 'unavailable'
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return 'basic-text'
  return undefined
}

function decryptSafe(stored: string): string {
  return safeStorage.decryptString(Buffer.from(stored.slice('safe:'.length), 'base64'))
}
