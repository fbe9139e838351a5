/**
 * How secrets (API keys, the proxy URL, the cloud refresh token) are kept at rest. The Electron shell adapts
 * safeStorage to this; the core only asks whether it really encrypts, so that it never writes a secret in clear
 * text without the user having chosen it.
 */

/** Why secrets cannot really be encrypted: no keychain at all, or Linux's `basic_text` (a hard-coded password). */
export type SecretStorageWeakness = 'unavailable' | 'basic-text'

export interface SecretCodec {
  /** True only when secrets are really encrypted by the OS keychain. */
  readonly encrypts: boolean
  /** Set when `encrypts` is false: why not, for the notice in Settings. */
  readonly weakness?: SecretStorageWeakness
  /** Without real encryption the result holds the secret readably (`plain:…`): call it only with the user's consent. */
  encrypt(plain: string): string
  /** Reads what `encrypt` wrote, today's or an earlier version's (`plain:` values keep loading). Throws if it cannot. */
  decrypt(stored: string): string
  /** False for a stored value anyone can read (`plain:`); absent means every value is taken as encrypted. */
  isEncrypted?(stored: string): boolean
}

/**
 * For tests and the browser harness: stores secrets as they are while standing in for a working keychain, so that
 * their runs behave as the app does on a desktop with one. Tests of the unencrypted case use `unencryptedCodec`.
 */
export const plainTextCodec: SecretCodec = { encrypts: true, encrypt: (plain) => plain, decrypt: (stored) => stored }

/** A codec without real encryption, as the shell's is on a computer without a keychain. */
export function unencryptedCodec(weakness: SecretStorageWeakness = 'unavailable'): SecretCodec {
  return {
    encrypts: false,
    weakness,
    encrypt: (plain) => `plain:${plain}`,
    decrypt: (stored) => stored.replace(/^plain:/, ''),
    isEncrypted: () => false,
  }
}

/** The part of Electron's `safeStorage` the codec uses (the shell passes the real one). */
export interface OsKeychain {
  isEncryptionAvailable(): boolean
  /** Linux only: which backend encrypts (`basic_text` is a hard-coded password, not real encryption). */
  getSelectedStorageBackend(): string
  encryptString(plain: string): Buffer
  decryptString(encrypted: Buffer): string
}

/**
 * Secrets at rest through the OS keychain, written `safe:<base64>`. Without one, or with Linux's `basic_text`, it
 * reports no encryption (the core then keeps secrets in memory unless the user chooses otherwise) and writes
 * `plain:` when asked, which stays readable if a keychain appears later. Either way it reads both forms: `plain:`
 * from earlier versions, `safe:` while the keychain that wrote it can still decrypt it.
 */
export function keychainCodec(keychain: OsKeychain, platform: NodeJS.Platform): SecretCodec {
  const weakness = keychainWeakness(keychain, platform)
  const plain = unencryptedCodec(weakness)
  const decrypt = (stored: string) =>
    stored.startsWith(SAFE_PREFIX)
      ? keychain.decryptString(Buffer.from(stored.slice(SAFE_PREFIX.length), 'base64'))
      : plain.decrypt(stored)
  if (weakness) return { ...plain, decrypt }
  return {
    encrypts: true,
    encrypt: (secret) => `${SAFE_PREFIX}${keychain.encryptString(secret).toString('base64')}`,
    decrypt,
    isEncrypted: (stored) => stored.startsWith(SAFE_PREFIX),
  }
}

const SAFE_PREFIX = 'safe:'

function keychainWeakness(keychain: OsKeychain, platform: NodeJS.Platform): SecretStorageWeakness | undefined {
  if (!keychain.isEncryptionAvailable()) return 'unavailable'
  if (platform === 'linux' && keychain.getSelectedStorageBackend() === 'basic_text') return 'basic-text'
  return undefined
}
