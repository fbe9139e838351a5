import { safeStorage } from 'electron'
import { keychainCodec, type SecretCodec } from '../core/settings/secret-storage'

/** Secrets at rest through Electron's safeStorage (see keychainCodec). Call after app ready: Linux decides then. */
export function safeStorageCodec(): SecretCodec {
  return keychainCodec(safeStorage, process.platform)
}
