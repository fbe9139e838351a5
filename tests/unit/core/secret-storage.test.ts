import { describe, expect, it } from 'vitest'
import { keychainCodec, type OsKeychain } from '../../../src-main/core/settings/secret-storage'

/** Electron's safeStorage at the edge: a keychain that XORs with a byte (unreadable, reversible), on a backend. */
function keychain(backend: string, available = true): OsKeychain {
  const xor = (bytes: Buffer) => Buffer.from(bytes.map((b) => b ^ 0x5a))
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (plain) => xor(Buffer.from(plain)),
    decryptString: (encrypted) => xor(encrypted).toString(),
  }
}

const SECRET = 'sk-codec-secret'

describe('keychainCodec', () => {
  it('encrypts with a real keychain, and reads what it wrote and the plain: values of earlier versions', () => {
    for (const [backend, platform] of [
      ['gnome_libsecret', 'linux'],
      ['kwallet5', 'linux'],
      ['unknown', 'darwin'],
      ['unknown', 'win32'],
    ] as const) {
      const codec = keychainCodec(keychain(backend), platform)
      expect(codec.encrypts).toBe(true)
      expect(codec.weakness).toBeUndefined()
      const stored = codec.encrypt(SECRET)
      expect(stored).toMatch(/^safe:/)
      expect(stored).not.toContain(SECRET)
      expect(codec.decrypt(stored)).toBe(SECRET)
      expect(codec.decrypt(`plain:${SECRET}`)).toBe(SECRET)
    }
  })

  it("counts Linux's basic_text (a hard-coded password) as no encryption, and writes plain: only", () => {
    const codec = keychainCodec(keychain('basic_text'), 'linux')
    expect(codec).toMatchObject({ encrypts: false, weakness: 'basic-text' })
    expect(codec.encrypt(SECRET)).toBe(`plain:${SECRET}`)
    // A value an earlier version encrypted under basic_text still reads.
    const earlier = `safe:${keychain('basic_text').encryptString(SECRET).toString('base64')}`
    expect(codec.decrypt(earlier)).toBe(SECRET)
  })

  it('counts a missing keychain as no encryption', () => {
    const codec = keychainCodec(keychain('', false), 'linux')
    expect(codec).toMatchObject({ encrypts: false, weakness: 'unavailable' })
    expect(codec.decrypt(codec.encrypt(SECRET))).toBe(SECRET)
  })
})
