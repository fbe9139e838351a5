import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FileTokenStore, tokenKeys } from '../../../src-main/core/cloud/token-store'
import { unencryptedCodec, type SecretCodec } from '../../../src-main/core/settings/secret-storage'
import { SECRETS } from './cloud-fixtures'
import { makeTempDir } from '../../support/temp-dir'

/** Reversible but not readable, like safeStorage; refuses what it did not encrypt. */
const reversingCodec: SecretCodec = {
  encrypts: true,
  encrypt: (plain) => `enc:${Buffer.from(plain).reverse().toString('base64')}`,
  decrypt: (stored) => {
    if (!stored.startsWith('enc:')) throw new Error('not ours')
    return Buffer.from(stored.slice(4), 'base64').reverse().toString()
  },
}

async function tempFile(): Promise<string> {
  return join(await makeTempDir('tokens'), 'cloud-session.json')
}

describe('FileTokenStore', () => {
  it('keeps values encrypted with the codec in a private file, across instances', async () => {
    const path = await tempFile()
    const key = tokenKeys.refreshToken('appclient123')
    await new FileTokenStore(path, reversingCodec).set(key, SECRETS.refreshToken)
    expect(await new FileTokenStore(path, reversingCodec).get(key)).toBe(SECRETS.refreshToken)
    expect(await readFile(path, 'utf8')).not.toContain(SECRETS.refreshToken)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('deletes a value', async () => {
    const store = new FileTokenStore(await tempFile(), reversingCodec)
    await store.set('a', '1')
    await store.set('b', '2')
    await store.delete('a')
    expect(await store.get('a')).toBeUndefined()
    expect(await store.get('b')).toBe('2')
  })

  it('reads a damaged file, or a value the codec can no longer decrypt, as absent', async () => {
    const path = await tempFile()
    await writeFile(path, '{ not json')
    expect(await new FileTokenStore(path, reversingCodec).get('a')).toBeUndefined()
    await writeFile(path, JSON.stringify({ version: 1, entries: { a: 'plain:from-another-keychain' } }))
    const store = new FileTokenStore(path, reversingCodec)
    expect(await store.get('a')).toBeUndefined()
    await store.set('b', 'fresh')
    expect(await new FileTokenStore(path, reversingCodec).get('b')).toBe('fresh')
  })

  it('keeps the refresh token in memory only without real encryption: the user signs in at the next start', async () => {
    const path = await tempFile()
    const key = tokenKeys.refreshToken('appclient123')
    const identity = tokenKeys.identityId('pool', 'user-1')
    const store = new FileTokenStore(path, unencryptedCodec('basic-text'))
    await store.set(identity, 'eu-west-1:identity')
    await store.set(key, SECRETS.refreshToken)
    expect(await store.get(key)).toBe(SECRETS.refreshToken)
    const onDisk = await readFile(path, 'utf8')
    expect(onDisk).not.toContain(SECRETS.refreshToken)
    expect(onDisk).toContain('eu-west-1:identity') // not a credential: kept, so the same user keeps its client id
    const restarted = new FileTokenStore(path, unencryptedCodec('basic-text'))
    expect(await restarted.get(key)).toBeUndefined()
    expect(await restarted.get(identity)).toBe('eu-west-1:identity')
    await store.delete(key)
    expect(await store.get(key)).toBeUndefined()
  })

  it('still signs in with a plain: refresh token an earlier version wrote, and takes it out of the file', async () => {
    const path = await tempFile()
    const key = tokenKeys.refreshToken('appclient123')
    await writeFile(path, JSON.stringify({ version: 1, entries: { [key]: `plain:${SECRETS.refreshToken}` } }))
    const store = new FileTokenStore(path, unencryptedCodec())
    expect(await store.get(key)).toBe(SECRETS.refreshToken)
    expect(await readFile(path, 'utf8')).not.toContain(SECRETS.refreshToken)
    expect(await store.get(key)).toBe(SECRETS.refreshToken)
  })

  it('scopes keys by app client, identity pool and user', () => {
    expect(tokenKeys.refreshToken('c1')).not.toBe(tokenKeys.refreshToken('c2'))
    expect(tokenKeys.identityId('pool', 'user-1')).not.toBe(tokenKeys.identityId('pool', 'user-2'))
    expect(tokenKeys.identityId('pool-a', 'user-1')).not.toBe(tokenKeys.identityId('pool-b', 'user-1'))
  })
})
