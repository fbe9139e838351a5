/**
 * Sign-in with the Cognito user pool (USER_PASSWORD_AUTH on a public app client, no client secret): sign-up and
 * its emailed code, sign-in with the challenges a pool can ask for, password reset, sign-out, and a session that
 * survives restarts through the refresh token in the TokenStore. `idToken()` is what the rest of cloud mode asks
 * for: it refreshes shortly before the token expires, one refresh shared by every caller.
 * Passwords, codes and tokens never reach a log line or an error message (see auth-errors.ts).
 */
import {
  CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
  type AuthenticationResultType,
  type CodeDeliveryDetailsType,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider'
import type { CloudConfig } from '../../protocol/cloud-config'
import { systemClock, type Clock } from '../../lib/clock'
import { TypedEmitter } from '../../lib/typed-emitter'
import { AuthError, toAuthError, type AuthStep } from './auth-errors'
import { awsClientConfig } from './aws-http-handler'
import { awsErrorName } from './aws-errors'
import { silentLog, type CloudLog } from './cloud-log'
import { readIdTokenClaims, type IdTokenClaims } from './id-token'
import type { ProxyConfig } from '../../lib/http-proxy'
import { tokenKeys, type TokenStore } from './token-store'
import { errorMessage } from '../../lib/error-message'

export type UserPoolConfig = Pick<CloudConfig, 'region' | 'userPoolId' | 'userPoolClientId'>

/** Where a sign-in stands: done, or waiting for the user to answer a challenge with `answerChallenge`. */
export type SignInStep =
  { kind: 'signed-in'; email: string } | { kind: 'new-password-required' } | { kind: 'mfa-code-required' }

export type ChallengeAnswer = { newPassword: string } | { mfaCode: string }

/** Where Cognito sent a code, masked by Cognito (`a***@e***`), for "we sent a code to …". */
export interface CodeDelivery {
  destination?: string
  medium?: string
}

export interface AuthState {
  signedIn: boolean
  email?: string
}

export interface CognitoAuthOptions {
  config: UserPoolConfig
  store: TokenStore
  proxy?: ProxyConfig | undefined
  /** Injected in tests; otherwise built for the config's region (and proxy). */
  client?: CognitoIdentityProviderClient
  clock?: Clock
  /** The ID token is refreshed this long before it expires. */
  refreshMarginMs?: number
  log?: CloudLog
}

export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000

const CHALLENGES = {
  NEW_PASSWORD_REQUIRED: { step: 'new-password-required', response: 'NEW_PASSWORD' },
  SOFTWARE_TOKEN_MFA: { step: 'mfa-code-required', response: 'SOFTWARE_TOKEN_MFA_CODE' },
} as const
type SupportedChallenge = keyof typeof CHALLENGES

interface PendingChallenge {
  name: SupportedChallenge
  session: string
  /** The pool's own user name (USER_ID_FOR_SRP), which is what the challenge must be answered for. */
  username: string
}

/** What InitiateAuth and RespondToAuthChallenge answer: tokens, or the next challenge. */
interface AuthAnswer {
  AuthenticationResult?: AuthenticationResultType
  ChallengeName?: string
  ChallengeParameters?: Record<string, string>
  Session?: string
}

interface Session {
  idToken: string
  claims: IdTokenClaims
}

export class CognitoAuth extends TypedEmitter<{ change: [state: AuthState] }> {
  private readonly client: CognitoIdentityProviderClient
  private readonly clock: Clock
  private readonly marginMs: number
  private readonly log: CloudLog
  private readonly refreshTokenKey: string
  private session: Session | undefined
  private refreshToken: string | undefined
  private pending: PendingChallenge | undefined
  private refreshing: Promise<Session> | undefined
  /** Bumped by sign-out, so a refresh that was in flight cannot sign the user back in. */
  private generation = 0

  constructor(private readonly options: CognitoAuthOptions) {
    super()
    this.client =
      options.client ??
      new CognitoIdentityProviderClient(awsClientConfig({ region: options.config.region, proxy: options.proxy }))
    this.clock = options.clock ?? systemClock
    this.marginMs = options.refreshMarginMs ?? TOKEN_REFRESH_MARGIN_MS
    this.log = options.log ?? silentLog
    this.refreshTokenKey = tokenKeys.refreshToken(options.config.userPoolClientId)
  }

  get state(): AuthState {
    const email = this.email
    return { signedIn: this.session !== undefined, ...(email !== undefined ? { email } : {}) }
  }

  /** The signed-in user's email, from the ID token. */
  get email(): string | undefined {
    return this.session?.claims.email
  }

  /** The user pool's id for the signed-in user (`sub`), stable across email changes. */
  get userSub(): string | undefined {
    return this.session?.claims.sub
  }

  /** Resolves with whether the user must still confirm (with the emailed code) before signing in. */
  async signUp(email: string, password: string): Promise<{ confirmed: boolean; delivery?: CodeDelivery }> {
    const result = await this.call('sign-up', () =>
      this.client.send(
        new SignUpCommand({
          ClientId: this.clientId,
          Username: email,
          Password: password,
          UserAttributes: [{ Name: 'email', Value: email }],
        }),
      ),
    )
    const delivery = toDelivery(result.CodeDeliveryDetails)
    return { confirmed: result.UserConfirmed === true, ...(delivery ? { delivery } : {}) }
  }

  async confirmSignUp(email: string, code: string): Promise<void> {
    await this.call('confirm', () =>
      this.client.send(new ConfirmSignUpCommand({ ClientId: this.clientId, Username: email, ConfirmationCode: code })),
    )
  }

  async resendConfirmationCode(email: string): Promise<CodeDelivery> {
    const result = await this.call('confirm', () =>
      this.client.send(new ResendConfirmationCodeCommand({ ClientId: this.clientId, Username: email })),
    )
    return toDelivery(result.CodeDeliveryDetails) ?? {}
  }

  async signIn(email: string, password: string): Promise<SignInStep> {
    this.pending = undefined
    const generation = this.generation
    const result = await this.call('sign-in', () =>
      this.client.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: this.clientId,
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      ),
    )
    return this.advance(result, email, generation)
  }

  /** Answers the challenge the last `signIn` (or answer) returned; a pool may chain them (new password, then MFA). */
  async answerChallenge(answer: ChallengeAnswer): Promise<SignInStep> {
    const pending = this.pending
    if (!pending)
      throw new AuthError(
        'no-challenge',
        'There is no sign-in waiting for an answer. Please sign in again.',
        'no-sign-in-waiting',
      )
    const expected = CHALLENGES[pending.name].response
    const value =
      'newPassword' in answer
        ? { key: 'NEW_PASSWORD', text: answer.newPassword }
        : { key: 'SOFTWARE_TOKEN_MFA_CODE', text: answer.mfaCode }
    if (value.key !== expected) {
      const newPassword = expected === 'NEW_PASSWORD'
      const wanted = newPassword ? 'a new password' : 'the code from the authenticator app'
      throw new AuthError(
        'no-challenge',
        `This sign-in step asks for ${wanted}.`,
        newPassword ? 'step-wants-new-password' : 'step-wants-mfa-code',
      )
    }
    const generation = this.generation
    const result = await this.call('challenge', () =>
      this.client.send(
        new RespondToAuthChallengeCommand({
          ClientId: this.clientId,
          ChallengeName: pending.name,
          Session: pending.session,
          ChallengeResponses: { USERNAME: pending.username, [expected]: value.text },
        }),
      ),
    ).catch((error: unknown) => {
      // A wrong code may be retried within the same session; anything else needs a fresh sign-in.
      if (!(error instanceof AuthError && error.code === 'code-mismatch')) this.pending = undefined
      throw error
    })
    return this.advance(result, pending.username, generation)
  }

  async forgotPassword(email: string): Promise<CodeDelivery> {
    const result = await this.call('forgot-password', () =>
      this.client.send(new ForgotPasswordCommand({ ClientId: this.clientId, Username: email })),
    )
    return toDelivery(result.CodeDeliveryDetails) ?? {}
  }

  async confirmForgotPassword(email: string, code: string, newPassword: string): Promise<void> {
    await this.call('reset-password', () =>
      this.client.send(
        new ConfirmForgotPasswordCommand({
          ClientId: this.clientId,
          Username: email,
          ConfirmationCode: code,
          Password: newPassword,
        }),
      ),
    )
  }

  /**
   * Signs out on this computer: the stored refresh token is deleted at once, then revoked at Cognito (best effort:
   * offline, the token is still gone from here). Other devices stay signed in.
   */
  async signOut(): Promise<void> {
    const token = this.refreshToken ?? (await this.options.store.get(this.refreshTokenKey))
    await this.forget()
    if (token === undefined) return
    try {
      await this.client.send(new RevokeTokenCommand({ ClientId: this.clientId, Token: token }))
    } catch (error) {
      this.log('cognito-revoke-failed', { error: awsErrorName(error) })
    }
  }

  /**
   * At start-up: resumes the stored session with its refresh token. False when there is none or Cognito no longer
   * accepts it (the user signs in again); throws when Cognito cannot be asked (e.g. offline), keeping the token.
   */
  async restore(): Promise<boolean> {
    try {
      await this.refreshShared()
      return true
    } catch (error) {
      if (error instanceof AuthError && (error.code === 'signed-out' || error.code === 'session-expired')) return false
      throw error
    }
  }

  /** A valid ID token, refreshed first when it expires within the margin. Throws AuthError when signed out. */
  async idToken(): Promise<string> {
    const session = this.session
    if (session && this.clock.now() < session.claims.expiresAt - this.marginMs) return session.idToken
    return (await this.refreshShared()).idToken
  }

  private get clientId(): string {
    return this.options.config.userPoolClientId
  }

  private refreshShared(): Promise<Session> {
    this.refreshing ??= this.refreshSession().finally(() => (this.refreshing = undefined))
    return this.refreshing
  }

  private async refreshSession(): Promise<Session> {
    const generation = this.generation
    const token = this.refreshToken ?? (await this.options.store.get(this.refreshTokenKey))
    if (token === undefined) throw new AuthError('signed-out', 'You are not signed in.', 'not-signed-in')
    let result: InitiateAuthCommandOutput
    try {
      result = await this.call('refresh', () =>
        this.client.send(
          new InitiateAuthCommand({
            AuthFlow: 'REFRESH_TOKEN_AUTH',
            ClientId: this.clientId,
            AuthParameters: { REFRESH_TOKEN: token },
          }),
        ),
      )
    } catch (error) {
      if (error instanceof AuthError && error.code === 'session-expired' && generation === this.generation)
        await this.forget()
      throw error
    }
    if (!result.AuthenticationResult)
      throw new AuthError('unknown', 'Amazon Cognito did not renew the session. Please sign in again.', 'not-renewed')
    // Without refresh-token rotation Cognito returns no new refresh token: the old one stays valid.
    return this.establish(result.AuthenticationResult, generation, token)
  }

  private async advance(result: AuthAnswer, username: string, generation: number): Promise<SignInStep> {
    if (result.AuthenticationResult) {
      this.pending = undefined
      const session = await this.establish(result.AuthenticationResult, generation)
      return { kind: 'signed-in', email: session.claims.email ?? username }
    }
    const name = result.ChallengeName
    if (name !== undefined && name in CHALLENGES && result.Session !== undefined) {
      const challenge = name as SupportedChallenge
      this.pending = {
        name: challenge,
        session: result.Session,
        username: result.ChallengeParameters?.['USER_ID_FOR_SRP'] ?? username,
      }
      return { kind: CHALLENGES[challenge].step }
    }
    this.pending = undefined
    const challenge = String(name)
      .replace(/[^A-Z_]/g, '')
      .slice(0, 40)
    this.log('cognito-unsupported-challenge', { challenge })
    throw new AuthError(
      'unsupported-challenge',
      `This account needs a sign-in step StreamDesk does not support yet (${challenge}). Ask the administrator of the backend.`,
      'unsupported-step',
      challenge,
    )
  }

  private async establish(
    result: AuthenticationResultType,
    generation: number,
    previousRefreshToken?: string,
  ): Promise<Session> {
    const { IdToken, RefreshToken } = result
    if (IdToken === undefined)
      throw new AuthError('unknown', 'Amazon Cognito returned no tokens. Please try again.', 'no-tokens')
    if (generation !== this.generation) throw new AuthError('signed-out', 'You signed out.', 'signed-out')
    let claims: IdTokenClaims
    try {
      claims = readIdTokenClaims(IdToken)
    } catch (error) {
      throw new AuthError('unknown', errorMessage(error), 'unreadable-token', errorMessage(error))
    }
    const refreshToken = RefreshToken ?? previousRefreshToken
    if (refreshToken === undefined)
      throw new AuthError('unknown', 'Amazon Cognito returned no refresh token. Please try again.', 'no-tokens')
    if (refreshToken !== this.refreshToken) {
      await this.options.store.set(this.refreshTokenKey, refreshToken)
      if (generation !== this.generation) {
        // Signed out while the token was being stored: it must not outlive the sign-out.
        await this.options.store.delete(this.refreshTokenKey)
        throw new AuthError('signed-out', 'You signed out.', 'signed-out')
      }
      this.refreshToken = refreshToken
    }
    const before = this.session
    this.session = { idToken: IdToken, claims }
    if (before?.claims.sub !== claims.sub || before.claims.email !== claims.email) this.emit('change', this.state)
    return this.session
  }

  private async forget(): Promise<void> {
    this.generation += 1
    const wasSignedIn = this.session !== undefined
    this.session = undefined
    this.refreshToken = undefined
    this.pending = undefined
    await this.options.store.delete(this.refreshTokenKey)
    if (wasSignedIn) this.emit('change', this.state)
  }

  private async call<T>(step: AuthStep, send: () => Promise<T>): Promise<T> {
    try {
      return await send()
    } catch (error) {
      const mapped = toAuthError(error, step)
      this.log('cognito-call-failed', { step, error: awsErrorName(error), code: mapped.code })
      throw mapped
    }
  }
}

function toDelivery(details: CodeDeliveryDetailsType | undefined): CodeDelivery | undefined {
  if (!details) return undefined
  return {
    ...(details.Destination !== undefined ? { destination: details.Destination } : {}),
    ...(details.DeliveryMedium !== undefined ? { medium: details.DeliveryMedium } : {}),
  }
}
