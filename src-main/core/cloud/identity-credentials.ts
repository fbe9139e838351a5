/**
 * Temporary AWS credentials for the signed-in user from the Cognito identity pool (GetId, then
 * GetCredentialsForIdentity with the user pool's ID token as the login). They sign the IoT WebSocket handshake
 * and the Lambda invocations.
 *
 * - The identity id is stored (per identity pool and user), so the same user keeps the same id, which is the MQTT
 *   client id and names their topics, across restarts without a GetId each time.
 * - Credentials last an hour; they are refreshed in the background `refreshMarginMs` before they expire, so the
 *   synchronous `current()` that aws-crt calls at every handshake always has fresh ones. A failed refresh is
 *   retried with back-off and reported through `onError`.
 */
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity'
import type { CloudConfig } from '../../protocol/cloud-config'
import { systemClock, type Clock, type TimerHandle } from '../../lib/clock'
import { TypedEmitter } from '../../lib/typed-emitter'
import { AuthError } from './auth-errors'
import { awsClientConfig } from './aws-http-handler'
import { awsErrorName, isNetworkError } from './aws-errors'
import { silentLog, type CloudLog } from './cloud-log'
import type { ProxyConfig } from '../../lib/http-proxy'
import { tokenKeys, type TokenStore } from './token-store'

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  expiration: Date
}

export type IdentityPoolConfig = Pick<CloudConfig, 'region' | 'userPoolId' | 'identityPoolId'>

/** What the identity pool needs from the user pool sign-in (CognitoAuth provides it). */
export interface IdTokenSource {
  idToken(): Promise<string>
  readonly userSub: string | undefined
}

export interface IdentityCredentialsOptions {
  config: IdentityPoolConfig
  auth: IdTokenSource
  store: TokenStore
  proxy?: ProxyConfig | undefined
  /** Injected in tests; otherwise built for the config's region (and proxy). */
  client?: CognitoIdentityClient
  clock?: Clock
  /** Credentials are refreshed this long before they expire. */
  refreshMarginMs?: number
  /** First retry after a failed refresh; doubles up to MAX_RETRY_DELAY_MS. */
  retryDelayMs?: number
  log?: CloudLog
}

export const CREDENTIALS_REFRESH_MARGIN_MS = 5 * 60_000
const MAX_RETRY_DELAY_MS = 5 * 60_000
/** Never schedule refreshes closer than this, whatever the expiration says. */
const MIN_REFRESH_DELAY_MS = 5_000

export class IdentityCredentials {
  private readonly client: CognitoIdentityClient
  private readonly clock: Clock
  private readonly marginMs: number
  private readonly retryDelayMs: number
  private readonly log: CloudLog
  private readonly events = new TypedEmitter<{ change: [AwsCredentials]; error: [Error] }>()
  private id: string | undefined
  private credentials: AwsCredentials | undefined
  private refreshing: Promise<AwsCredentials> | undefined
  private timer: TimerHandle | undefined
  private failures = 0
  private closed = false

  constructor(private readonly options: IdentityCredentialsOptions) {
    this.client =
      options.client ??
      new CognitoIdentityClient(awsClientConfig({ region: options.config.region, proxy: options.proxy }))
    this.clock = options.clock ?? systemClock
    this.marginMs = options.refreshMarginMs ?? CREDENTIALS_REFRESH_MARGIN_MS
    this.retryDelayMs = options.retryDelayMs ?? 30_000
    this.log = options.log ?? silentLog
  }

  /** Gets the identity id and the first credentials, and keeps them fresh from then on. Resolves with the id. */
  async start(): Promise<string> {
    await this.refresh()
    return this.identityId
  }

  get identityId(): string {
    if (this.id === undefined) throw new Error('Cloud credentials are not ready yet.')
    return this.id
  }

  /**
   * The credentials to sign with now. Fresh unless a refresh keeps failing or the computer slept past the refresh
   * time; then a refresh starts and the caller gets the last ones (a handshake signed with them is refused, and
   * aws-crt's next attempt signs with the new ones).
   */
  current(): AwsCredentials {
    if (!this.credentials) throw new Error('Cloud credentials are not ready yet.')
    if (this.isStale(this.credentials)) this.refreshInBackground()
    return this.credentials
  }

  /** An AWS SDK credential provider: waits for a refresh when the credentials are within the margin. */
  readonly provider = async (): Promise<AwsCredentials> => {
    if (this.credentials && !this.isStale(this.credentials)) return this.credentials
    return this.refresh()
  }

  /** Fetches new credentials now; concurrent callers share one fetch. */
  refresh(): Promise<AwsCredentials> {
    if (this.closed) return Promise.reject(new Error('Cloud credentials were closed.'))
    this.refreshing ??= this.fetch()
      .then((credentials) => this.accept(credentials))
      .catch((error: unknown) => this.reject(error))
      .finally(() => (this.refreshing = undefined))
    return this.refreshing
  }

  onChange(listener: (credentials: AwsCredentials) => void): () => void {
    return this.events.on('change', listener)
  }

  onError(listener: (error: Error) => void): () => void {
    return this.events.on('error', listener)
  }

  /** Stops refreshing and forgets the credentials (on sign-out or when leaving cloud mode). */
  close(): void {
    this.closed = true
    this.cancelTimer()
    this.credentials = undefined
    this.events.removeAllListeners()
  }

  private isStale(credentials: AwsCredentials): boolean {
    return this.clock.now() >= credentials.expiration.getTime() - this.marginMs
  }

  private refreshInBackground(): void {
    this.refresh().catch(() => undefined) // reported through onError by reject()
  }

  private async fetch(): Promise<AwsCredentials> {
    const { config, auth, store } = this.options
    const idToken = await auth.idToken()
    const logins = { [`cognito-idp.${config.region}.amazonaws.com/${config.userPoolId}`]: idToken }
    const key = auth.userSub === undefined ? undefined : tokenKeys.identityId(config.identityPoolId, auth.userSub)
    const cached = this.id ?? (key === undefined ? undefined : await store.get(key))
    if (cached !== undefined) {
      try {
        return await this.credentialsFor(cached, logins)
      } catch (error) {
        // A stored id the pool no longer knows, or one of another login: get the right one, once.
        if (!['ResourceNotFoundException', 'NotAuthorizedException'].includes(awsErrorName(error))) throw error
        this.log('identity-id-replaced', { error: awsErrorName(error) })
      }
    }
    const { IdentityId } = await this.client.send(
      new GetIdCommand({ IdentityPoolId: config.identityPoolId, Logins: logins }),
    )
    if (IdentityId === undefined) throw new IdentityPoolError('The identity pool returned no identity id.')
    if (key !== undefined) await store.set(key, IdentityId)
    return this.credentialsFor(IdentityId, logins)
  }

  private async credentialsFor(identityId: string, logins: Record<string, string>): Promise<AwsCredentials> {
    const { Credentials } = await this.client.send(
      new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: logins }),
    )
    const { AccessKeyId, SecretKey, SessionToken, Expiration } = Credentials ?? {}
    if (!AccessKeyId || !SecretKey || !SessionToken || !Expiration) {
      throw new IdentityPoolError('The identity pool returned incomplete credentials.')
    }
    this.id = identityId
    return { accessKeyId: AccessKeyId, secretAccessKey: SecretKey, sessionToken: SessionToken, expiration: Expiration }
  }

  private accept(credentials: AwsCredentials): AwsCredentials {
    if (this.closed) throw new Error('Cloud credentials were closed.')
    this.credentials = credentials
    this.failures = 0
    const due = credentials.expiration.getTime() - this.marginMs - this.clock.now()
    this.schedule(Math.max(due, MIN_REFRESH_DELAY_MS))
    this.events.emit('change', credentials)
    return credentials
  }

  private reject(error: unknown): never {
    const signedOut = error instanceof AuthError && (error.code === 'signed-out' || error.code === 'session-expired')
    const reported = error instanceof AuthError ? error : new Error(describeCredentialsError(error))
    this.log('credentials-refresh-failed', { error: awsErrorName(error), retrying: !signedOut && !this.closed })
    if (!signedOut && !this.closed) {
      this.failures += 1
      this.schedule(Math.min(this.retryDelayMs * 2 ** (this.failures - 1), MAX_RETRY_DELAY_MS))
    }
    this.events.emit('error', reported)
    throw reported
  }

  private schedule(delayMs: number): void {
    this.cancelTimer()
    if (this.closed) return
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      this.refreshInBackground()
    }, delayMs)
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
  }
}

/** An answer from the identity pool this code could not use; its message is this module's own text. */
class IdentityPoolError extends Error {}

function describeCredentialsError(error: unknown): string {
  if (isNetworkError(error)) {
    return 'Cannot reach Amazon Cognito for cloud credentials. Check the internet connection and the proxy settings.'
  }
  const name = awsErrorName(error)
  if (name === 'ResourceNotFoundException') {
    return 'The identity pool in the cloud configuration does not exist. Load the stack outputs again.'
  }
  if (name === 'NotAuthorizedException') return 'The identity pool refused this sign-in. Sign out and sign in again.'
  if (error instanceof IdentityPoolError) return error.message
  return `Amazon Cognito refused cloud credentials (${name}). Try again later.`
}
