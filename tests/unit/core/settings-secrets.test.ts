import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SettingsStore, unencryptedCodec, type SecretCodec } from '../../../src-main/core/settings/settings-store'
import { invokeArgSchemas } from '../../../src-main/core/ipc/ipc-schemas'
import { keychainCodec } from '../../../src-main/core/settings/secret-storage'
import { makeTempDir } from '../../support/temp-dir'
import { noticeWords } from '../../support/notice-words'

const KEY = 'sk-planted-key-4711'
const PROXY = 'http://bob:pr0xy-pa55@proxy.example:8080'

/** Really encrypts (as the OS keychain does): reversible, never readable in the file. */
const reversingKeychain: SecretCodec = {
  encrypts: true,
  encrypt: (plain) => `safe:${Buffer.from(plain).reverse().toString('base64')}`,
  decrypt: (stored) => Buffer.from(stored.slice(5), 'base64').reverse().toString(),
}

const remote = {
  label: 'Remote',
  provider: 'openai-compatible' as const,
  baseUrl: 'https://api.example.com/v1',
  model: 'gpt',
}

async function settingsFile(): Promise<string> {
  return join(await makeTempDir('settings-secrets'), 'settings.json')
}

const apiKeyOf = (store: SettingsStore, id: string) => {
  const model = store.resolve(id)
  return model?.provider === 'openai-compatible' ? model.apiKey : undefined
}

describe('SettingsStore without real encryption', () => {
  for (const weakness of ['unavailable', 'basic-text'] as const) {
    it(`keeps an API key and a proxy password in memory only (${weakness}), and says so`, async () => {
      const file = await settingsFile()
      const store = await SettingsStore.open(file, unencryptedCodec(weakness))
      const view = await store.saveModel({ ...remote, apiKey: KEY })
      const id = view.models.find((m) => m.label === 'Remote')!.id
      await store.setProxyUrl(PROXY)
      // Usable for the session…
      expect(apiKeyOf(store, id)).toBe(KEY)
      expect(store.proxyUrl).toBe(PROXY)
      const status = store.publicView()
      expect(status.models.find((m) => m.id === id)?.hasApiKey).toBe(true)
      expect(status.secretStorage).toEqual({ encrypted: false, weakness, sessionOnly: 2, unencryptedOnDisk: 0 })
      expect(JSON.stringify(status)).not.toContain(KEY)
      // …never on disk, so gone after a restart.
      const onDisk = await readFile(file, 'utf8')
      expect(onDisk).not.toContain(KEY)
      expect(onDisk).not.toContain('pr0xy-pa55')
      const reopened = await SettingsStore.open(file, unencryptedCodec(weakness))
      expect(apiKeyOf(reopened, id)).toBeUndefined()
      expect(reopened.proxyUrl).toBeUndefined()
      expect(reopened.publicView().models.find((m) => m.id === id)?.hasApiKey).toBe(false)
    })
  }

  it('stores them unencrypted only once the user chooses it, and takes them back out when they change their mind', async () => {
    const file = await settingsFile()
    const store = await SettingsStore.open(file, unencryptedCodec())
    const id = (await store.saveModel({ ...remote, apiKey: KEY })).models.find((m) => m.label === 'Remote')!.id
    await store.setProxyUrl(PROXY)

    const consented = await store.setPreferences({ storeSecretsUnencrypted: true })
    expect(consented.secretStorage).toMatchObject({ sessionOnly: 0, unencryptedOnDisk: 2 })
    expect(await readFile(file, 'utf8')).toContain(`plain:${KEY}`)
    const reopened = await SettingsStore.open(file, unencryptedCodec())
    expect(apiKeyOf(reopened, id)).toBe(KEY)
    expect(reopened.proxyUrl).toBe(PROXY)

    const withdrawn = await reopened.setPreferences({ storeSecretsUnencrypted: false })
    expect(withdrawn.secretStorage).toMatchObject({ sessionOnly: 2, unencryptedOnDisk: 0 })
    const onDisk = await readFile(file, 'utf8')
    expect(onDisk).not.toContain(KEY)
    expect(onDisk).not.toContain('pr0xy-pa55')
    expect(apiKeyOf(reopened, id)).toBe(KEY) // still there for this session
  })

  it('still loads plain: values an earlier version wrote, reports them, and moves them to memory when asked', async () => {
    const file = await settingsFile()
    const earlier = {
      version: 1,
      models: [{ id: 'remote', label: 'Remote', provider: 'openai-compatible', baseUrl: remote.baseUrl, model: 'gpt' }],
      selectedModelIds: ['remote'],
      encryptedProxyUrl: `plain:${PROXY}`,
    }
    earlier.models[0] = { ...earlier.models[0]!, encryptedApiKey: `plain:${KEY}` } as (typeof earlier.models)[0]
    await writeFile(file, JSON.stringify(earlier))
    const store = await SettingsStore.open(file, unencryptedCodec())
    expect(store.notices).toEqual([])
    expect(apiKeyOf(store, 'remote')).toBe(KEY)
    expect(store.proxyUrl).toBe(PROXY)
    expect(store.publicView().secretStorage).toMatchObject({ unencryptedOnDisk: 2, sessionOnly: 0 })
    await store.setPreferences({ storeSecretsUnencrypted: false })
    expect(await readFile(file, 'utf8')).not.toContain(KEY)
    expect(apiKeyOf(store, 'remote')).toBe(KEY)
  })

  it('keeps a proxy URL without a password on disk: it is no secret', async () => {
    const file = await settingsFile()
    const store = await SettingsStore.open(file, unencryptedCodec())
    await store.setProxyUrl('http://proxy.example:8080')
    expect((await SettingsStore.open(file, unencryptedCodec())).proxyUrl).toBe('http://proxy.example:8080')
    expect(store.publicView().secretStorage).toMatchObject({ sessionOnly: 0, unencryptedOnDisk: 0 })
    await store.setPreferences({ storeSecretsUnencrypted: false })
    expect((await SettingsStore.open(file, unencryptedCodec())).proxyUrl).toBe('http://proxy.example:8080')
  })

  it('forgets a session key with its model, and a cleared key', async () => {
    const store = await SettingsStore.open(await settingsFile(), unencryptedCodec())
    const id = (await store.saveModel({ ...remote, apiKey: KEY })).models.find((m) => m.label === 'Remote')!.id
    await store.saveModel({ ...remote, id, apiKey: null })
    expect(apiKeyOf(store, id)).toBeUndefined()
    await store.saveModel({ ...remote, id, apiKey: KEY })
    expect((await store.removeModel(id)).secretStorage.sessionOnly).toBe(0)
  })
})

describe('SettingsStore with the OS keychain', () => {
  it('reports real encryption and writes nothing readable', async () => {
    const file = await settingsFile()
    const store = await SettingsStore.open(file, reversingKeychain)
    await store.saveModel({ ...remote, apiKey: KEY })
    expect(store.publicView().secretStorage).toEqual({ encrypted: true, sessionOnly: 0, unencryptedOnDisk: 0 })
    expect(await readFile(file, 'utf8')).not.toContain(KEY)
  })
})

describe('A key is bound to the origin of its base URL', () => {
  async function withKey(baseUrl = remote.baseUrl) {
    const store = await SettingsStore.open(await settingsFile(), reversingKeychain)
    const view = await store.saveModel({ ...remote, baseUrl, apiKey: KEY })
    return { store, id: view.models.find((m) => m.label === 'Remote')!.id }
  }

  it('refuses to keep the key for a new origin, and takes it when entered again', async () => {
    const { store, id } = await withKey()
    await expect(store.saveModel({ ...remote, id, baseUrl: 'https://attacker.example/v1' })).rejects.toThrow(
      /https:\/\/attacker\.example: enter the API key again/,
    )
    expect(store.resolve(id)).toMatchObject({ baseUrl: remote.baseUrl, apiKey: KEY })
    // Another port or scheme is another origin too.
    await expect(store.saveModel({ ...remote, id, baseUrl: 'https://api.example.com:8443/v1' })).rejects.toThrow(
      /enter the API key again/,
    )
    await store.saveModel({ ...remote, id, baseUrl: 'https://attacker.example/v1', apiKey: 'sk-other' })
    expect(store.resolve(id)).toMatchObject({ baseUrl: 'https://attacker.example/v1', apiKey: 'sk-other' })
  })

  it('keeps the key when only the path or the label changes, and lets the origin change once the key is cleared', async () => {
    const { store, id } = await withKey()
    await store.saveModel({ ...remote, id, label: 'Renamed', baseUrl: 'https://api.example.com/v2' })
    expect(store.resolve(id)).toMatchObject({ label: 'Renamed', apiKey: KEY })
    await store.saveModel({ ...remote, id, baseUrl: 'https://other.example/v1', apiKey: null })
    expect(store.resolve(id)).toMatchObject({ baseUrl: 'https://other.example/v1' })
    expect(store.resolve(id)).not.toHaveProperty('apiKey')
  })

  it('refuses a key over plain http to another computer unless confirmed; this computer needs no confirmation', async () => {
    const store = await SettingsStore.open(await settingsFile(), reversingKeychain)
    const lan = { ...remote, baseUrl: 'http://192.168.1.20:8000/v1', apiKey: KEY }
    await expect(store.saveModel(lan)).rejects.toThrow(/plain http:\/\/.*unencrypted/)
    expect(store.publicView().models.map((m) => m.label)).not.toContain('Remote')
    const id = (await store.saveModel({ ...lan, allowKeyOverHttp: true })).models.find((m) => m.label === 'Remote')!.id
    expect(store.resolve(id)).toMatchObject({ apiKey: KEY })
    for (const baseUrl of ['http://127.0.0.1:11434/v1', 'http://localhost:1234/v1', 'http://[::1]:8080/v1']) {
      await expect(store.saveModel({ ...remote, baseUrl, apiKey: KEY })).resolves.toBeDefined()
    }
    // Without a key there is nothing to protect.
    await expect(store.saveModel({ ...remote, baseUrl: 'http://192.168.1.30/v1' })).resolves.toBeDefined()
  })

  it('asks again when a kept key would move from https to http on the same host', async () => {
    const { store, id } = await withKey('https://gpu.lan/v1')
    await expect(store.saveModel({ ...remote, id, baseUrl: 'http://gpu.lan/v1', apiKey: KEY })).rejects.toThrow(
      /unencrypted/,
    )
  })
})

describe('Base URLs with credentials', () => {
  it('are refused by the IPC schema and by the store, with a message that says where the key goes', async () => {
    const input = { ...remote, baseUrl: 'https://user:pa55@api.example.com/v1' }
    const parsed = invokeArgSchemas['settings:save-model'].safeParse([input])
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues[0]?.message).toMatch(/must not contain a user name or password.*API key field/)
    expect(invokeArgSchemas['settings:save-model'].safeParse([remote]).success).toBe(true)
    const store = await SettingsStore.open(await settingsFile(), reversingKeychain)
    await expect(store.saveModel(input)).rejects.toThrow(/must not contain a user name or password/)
  })
})

describe('SettingsStore once a keychain is there', () => {
  it('encrypts at open the secrets written readable before, and leaves a file without them alone', async () => {
    const file = await settingsFile()
    const before = await SettingsStore.open(file, unencryptedCodec())
    await before.setPreferences({ storeSecretsUnencrypted: true })
    const id = (await before.saveModel({ ...remote, apiKey: KEY })).models.find((m) => m.label === 'Remote')!.id
    await before.setProxyUrl(PROXY)
    expect(await readFile(file, 'utf8')).toContain(KEY)

    // The app's own codec over a stand-in for Electron's safeStorage (the edge), on a desktop with a keychain.
    const xor = (bytes: Buffer) => Buffer.from(bytes.map((b) => b ^ 0x5a))
    const keychain = keychainCodec(
      {
        isEncryptionAvailable: () => true,
        getSelectedStorageBackend: () => 'gnome_libsecret',
        encryptString: (plain) => xor(Buffer.from(plain)),
        decryptString: (encrypted) => xor(encrypted).toString(),
      },
      'linux',
    )
    const after = await SettingsStore.open(file, keychain)
    const onDisk = await readFile(file, 'utf8')
    expect(onDisk).not.toContain(KEY)
    expect(onDisk).not.toContain('pr0xy-pa55')
    expect(apiKeyOf(after, id)).toBe(KEY)
    expect(after.proxyUrl).toBe(PROXY)
    // Nothing readable left: the next open writes nothing.
    await SettingsStore.open(file, keychain)
    expect(await readFile(file, 'utf8')).toBe(onDisk)
  })
})

describe('SettingsStore with a key the keychain can no longer read', () => {
  it('says which model needs its key entered again, and nothing for keys it can read', async () => {
    const file = await settingsFile()
    const before = await SettingsStore.open(file, reversingKeychain)
    await before.saveModel({ ...remote, apiKey: KEY })
    await before.saveModel({ ...remote, label: 'Other', apiKey: 'sk-other' })
    expect((await SettingsStore.open(file, reversingKeychain)).notices).toEqual([])

    // A new keychain: what the old one wrote is now undecryptable (Electron's safeStorage throws).
    const newKeychain: SecretCodec = {
      ...reversingKeychain,
      decrypt: (stored) => {
        if (stored.includes(Buffer.from(KEY).reverse().toString('base64')))
          throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
        return reversingKeychain.decrypt(stored)
      },
    }
    const after = await SettingsStore.open(file, newKeychain)
    expect(noticeWords(after.notices)).toEqual([
      'The saved API key for Remote can no longer be read: enter it again in Settings.',
    ])
    expect(noticeWords(after.notices).join()).not.toMatch(/safeStorage|decrypt/)
    // Settings shows it as missing (so the user sees where to enter it), the readable one as there.
    const hasKey = (label: string) => after.publicView().models.find((m) => m.label === label)!.hasApiKey
    expect([hasKey('Remote'), hasKey('Other')]).toEqual([false, true])
    const id = after.publicView().models.find((m) => m.label === 'Remote')!.id
    await after.saveModel({ ...remote, id, apiKey: 'sk-entered-again' })
    expect(hasKey('Remote')).toBe(true)
  })
})
