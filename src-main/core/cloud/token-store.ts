/**
 * Where cloud mode keeps what must survive a restart: the Cognito refresh token, the identity id (so the same user
 * gets the same MQTT client id), the "IoT policy attached" flag and the streams still open when the app stopped.
 * The Electron shell backs it with safeStorage (the OS keychain); the core only sees this interface. Without real
 * encryption the refresh token is not written at all: the user signs in at each start.
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { AtomicFile } from '../../lib/atomic-write'
import type { SecretCodec } from '../settings/secret-storage'

export interface TokenStore {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string): Promise<void>
  delete(key: string): Promise<void>
}

/** The keys, scoped so that another stack or another user on the same computer never reuses an entry. */
export const tokenKeys = {
  refreshToken: (userPoolClientId: string) => `cognito/${userPoolClientId}/refresh-token`,
  identityId: (identityPoolId: string, userSub: string) => `identity/${identityPoolId}/${userSub}`,
  iotPolicyAttached: (identityId: string) => `iot-policy-attached/${identityId}`,
  /** This installation's device id for that user: its MQTT client id is `<identityId>-<deviceId>`. */
  deviceId: (identityId: string) => `device/${identityId}`,
  /** The cloud streams this app was still receiving (see LambdaStreamRecovery), resumed at the next start. */
  openStreams: (identityId: string) => `open-streams/${identityId}`,
}

/** The entries that are credentials, kept in memory only when the codec cannot really encrypt. */
function isCredential(key: string): boolean {
  return key.startsWith('cognito/') && key.endsWith('/refresh-token')
}

const StoredTokensSchema = z.strictObject({ version: z.literal(1), entries: z.record(z.string(), z.string()) })

/**
 * A JSON file of values encrypted one by one with the codec (safeStorage in the app, plain text in tests and the
 * browser harness). Written atomically with mode 0600. A file that cannot be read, or a value the codec can no
 * longer decrypt (e.g. a new OS keychain), reads as absent: the user signs in again.
 */
export class FileTokenStore implements TokenStore {
  private entries: Map<string, string> | undefined
  /** Credentials for this session only (see `isCredential`), as they are. */
  private readonly sessionOnly = new Map<string, string>()
  private readonly file: AtomicFile

  constructor(
    private readonly filePath: string,
    private readonly codec: SecretCodec,
  ) {
    this.file = new AtomicFile(filePath, { mode: 0o600 })
  }

  async get(key: string): Promise<string | undefined> {
    const entries = await this.load()
    const stored = entries.get(key)
    if (stored === undefined) return this.sessionOnly.get(key)
    let value: string
    try {
      value = this.codec.decrypt(stored)
    } catch {
      return undefined
    }
    if (this.keepsInMemory(key)) {
      // Written in plain text by an earlier version: it still signs the user in once, and leaves the file now.
      this.sessionOnly.set(key, value)
      entries.delete(key)
      await this.save(entries)
    }
    return value
  }

  async set(key: string, value: string): Promise<void> {
    const entries = await this.load()
    if (this.keepsInMemory(key)) {
      this.sessionOnly.set(key, value)
      if (entries.delete(key)) await this.save(entries)
      return
    }
    entries.set(key, this.codec.encrypt(value))
    await this.save(entries)
  }

  async delete(key: string): Promise<void> {
    this.sessionOnly.delete(key)
    const entries = await this.load()
    if (entries.delete(key)) await this.save(entries)
  }

  private keepsInMemory(key: string): boolean {
    return !this.codec.encrypts && isCredential(key)
  }

  private async load(): Promise<Map<string, string>> {
    if (this.entries) return this.entries
    let text: string | undefined
    try {
      text = await readFile(this.filePath, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    const parsed = text === undefined ? undefined : StoredTokensSchema.safeParse(parseJson(text))
    this.entries ??= new Map(parsed?.success ? Object.entries(parsed.data.entries) : [])
    return this.entries
  }

  private async save(entries: Map<string, string>): Promise<void> {
    await this.file.write(`${JSON.stringify({ version: 1, entries: Object.fromEntries(entries) })}\n`)
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
