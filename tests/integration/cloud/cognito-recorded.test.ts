/**
 * Sign-in and cloud credentials against Cognito answers recorded from the real service or published by AWS
 * (tests/fixtures/aws-recorded/README.md names each source), replayed over local HTTP to the real SDK clients, so
 * the SDK's own parsing runs: tokens, challenges, epoch-second expirations and the `__type` / `x-amzn-ErrorType`
 * error shapes, then what the app makes of them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity'
import { CognitoAuth } from '../../../src-main/core/cloud/cognito-auth'
import { AuthError, type AuthErrorCode } from '../../../src-main/core/cloud/auth-errors'
import { IdentityCredentials } from '../../../src-main/core/cloud/identity-credentials'
import { tokenKeys, type FileTokenStore } from '../../../src-main/core/cloud/token-store'
import { ManualClock } from '../../support/manual-clock'
import { recorded, REPLAY_CREDENTIALS, startAwsReplay, withBody, type AwsReplay } from '../../support/aws-replay'
import {
  CLOUD_CONFIG,
  fakeIdToken,
  LOGIN_PROVIDER,
  SECRETS,
  secretsIn,
  settle,
  tempTokenStore,
  USER,
} from '../../unit/cloud/cloud-fixtures'

const HOUR = 3_600_000
const REFRESH_KEY = tokenKeys.refreshToken(CLOUD_CONFIG.userPoolClientId)
/** The refresh token in the AWS CLI's recorded answers. */
const RECORDED_REFRESH_TOKEN = 'eyJra123abcEXAMPLE'
const idp = (name: string) => recorded('cognito-idp', name)

let replay: AwsReplay
let clock: ManualClock
let store: FileTokenStore

beforeAll(async () => {
  replay = await startAwsReplay()
})
afterAll(() => replay.close())
beforeEach(async () => {
  replay.reset()
  clock = new ManualClock()
  clock.advance(Date.parse('2026-12-07T10:00:00Z'))
  store = await tempTokenStore()
})

const newIdpClient = () =>
  new CognitoIdentityProviderClient({
    region: CLOUD_CONFIG.region,
    endpoint: replay.endpoint,
    credentials: REPLAY_CREDENTIALS,
  })

function newAuth(client = newIdpClient()): CognitoAuth {
  return new CognitoAuth({ config: CLOUD_CONFIG, store, clock, client })
}

/** The recorded answer with its placeholder ID token ("eyJra789ghiEXAMPLE", not a JWT) replaced by a decodable one. */
const withDecodableIdToken = (name: string) =>
  withBody(idp(name), (body) => {
    const result = body['AuthenticationResult'] as Record<string, unknown>
    result['IdToken'] = fakeIdToken(clock.now() + HOUR)
  })

const targets = () => replay.requests.map((r) => r.target?.split('.')[1])

async function authError(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AuthError)
  return error as AuthError
}

describe('CognitoAuth against recorded user-pool answers', () => {
  it('signs in from a recorded token answer: the refresh token the SDK parsed is kept', async () => {
    replay.answer(withDecodableIdToken('initiate-auth-tokens'))
    const auth = newAuth()

    await expect(auth.signIn(USER.email, SECRETS.password)).resolves.toEqual({ kind: 'signed-in', email: USER.email })

    expect(await store.get(REFRESH_KEY)).toBe(RECORDED_REFRESH_TOKEN)
    const [request] = replay.requests
    expect(request!.target).toBe('AWSCognitoIdentityProviderService.InitiateAuth')
    expect(request!.headers['content-type']).toBe('application/x-amz-json-1.1')
    expect(request!.body).toEqual({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: CLOUD_CONFIG.userPoolClientId,
      AuthParameters: { USERNAME: USER.email, PASSWORD: SECRETS.password },
    })
  })

  it('refuses the recorded answer as it is (its ID token is a placeholder, not a JWT) and keeps nothing', async () => {
    replay.answer(idp('initiate-auth-tokens'))
    const auth = newAuth()

    const error = await authError(auth.signIn(USER.email, SECRETS.password))
    expect(error.code).toBe('unknown')
    expect(error.message).toMatch(/not a JWT/)
    expect(auth.state.signedIn).toBe(false)
    expect(await store.get(REFRESH_KEY)).toBeUndefined()
  })

  it('answers a recorded TOTP challenge for the user the challenge names, and lets a wrong code be retried', async () => {
    replay.answer(idp('initiate-auth-mfa-challenge'))
    const auth = newAuth()

    await expect(auth.signIn(USER.email, SECRETS.password)).resolves.toEqual({ kind: 'mfa-code-required' })

    replay.answer(idp('error-mfa-code-mismatch'))
    const mismatch = await authError(auth.answerChallenge({ mfaCode: '000000' }))
    expect(mismatch.code).toBe('code-mismatch')
    expect(mismatch.message).toBe('That code is not right. Check it and try again.')

    replay.answer(withDecodableIdToken('respond-to-auth-challenge-mfa-tokens'))
    await expect(auth.answerChallenge({ mfaCode: SECRETS.code })).resolves.toMatchObject({ kind: 'signed-in' })

    expect(targets()).toEqual(['InitiateAuth', 'RespondToAuthChallenge', 'RespondToAuthChallenge'])
    for (const request of replay.requests.slice(1)) {
      expect(request.body).toMatchObject({
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: 'AYABeExample...',
        // USER_ID_FOR_SRP from the recorded challenge, not the address typed at sign-in.
        ChallengeResponses: { USERNAME: 'diego@example.com' },
      })
    }
    expect(await store.get(REFRESH_KEY)).toBe(RECORDED_REFRESH_TOKEN)
  })

  it('reads the recorded sign-up, confirmation and password-reset answers', async () => {
    const auth = newAuth()
    replay.answer(idp('sign-up'), idp('confirm-sign-up'), idp('forgot-password'))

    // The recorded sign-up says the user is unconfirmed and, like the AWS CLI example, names no delivery.
    await expect(auth.signUp(USER.email, SECRETS.password)).resolves.toEqual({ confirmed: false })
    await expect(auth.confirmSignUp(USER.email, SECRETS.code)).resolves.toBeUndefined()
    await expect(auth.forgotPassword(USER.email)).resolves.toEqual({ destination: 'j***@e***.com', medium: 'EMAIL' })
    expect(targets()).toEqual(['SignUp', 'ConfirmSignUp', 'ForgotPassword'])
  })

  const errorCases: Array<{ fixture: string; step: string; code: AuthErrorCode; message: RegExp; retried?: true }> = [
    {
      fixture: 'error-incorrect-password',
      step: 'sign-in',
      code: 'not-authorized',
      message: /^Incorrect email or password\.$/,
    },
    { fixture: 'error-user-not-confirmed', step: 'sign-in', code: 'not-confirmed', message: /not confirmed yet/ },
    { fixture: 'error-expired-code', step: 'confirm', code: 'expired-code', message: /has expired/ },
    // The SDK's retry counts these two as throttling: the app sees them once the SDK's attempts are spent.
    {
      fixture: 'error-too-many-requests',
      step: 'sign-in',
      code: 'limit-exceeded',
      message: /^Too many attempts/,
      retried: true,
    },
    {
      fixture: 'error-limit-exceeded',
      step: 'forgot-password',
      code: 'limit-exceeded',
      message: /^Too many attempts/,
      retried: true,
    },
  ]
  it.each(errorCases)('$fixture at $step: $code', async ({ fixture, step, code, message, retried }) => {
    const client = newIdpClient()
    const attempts = retried ? await client.config.maxAttempts() : 1
    const auth = newAuth(client)
    replay.answer(...Array.from({ length: attempts }, () => idp(fixture)))
    const call =
      step === 'sign-in'
        ? auth.signIn(USER.email, SECRETS.password)
        : step === 'confirm'
          ? auth.confirmSignUp(USER.email, SECRETS.code)
          : auth.forgotPassword(USER.email)

    const error = await authError(call)
    expect(error.code).toBe(code)
    expect(error.message).toMatch(message)
    expect(secretsIn(error.message)).toEqual([])
    expect(replay.requests).toHaveLength(attempts)
  })

  it.each(['error-invalid-refresh-token', 'error-refresh-token-expired'])(
    'a refresh refused with the recorded %s ends the session and forgets the stored token',
    async (fixture) => {
      await store.set(REFRESH_KEY, SECRETS.refreshToken)
      replay.answer(idp(fixture))
      const auth = newAuth()

      await expect(auth.restore()).resolves.toBe(false)

      expect(await store.get(REFRESH_KEY)).toBeUndefined()
      expect(replay.requests[0]!.body).toMatchObject({
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: SECRETS.refreshToken },
      })
    },
  )
})

describe('IdentityCredentials against recorded identity-pool answers', () => {
  /** The recorded credentials expire at 1442877512 (epoch seconds, as the identity pool sends them). */
  const RECORDED_EXPIRATION = 1_442_877_512_000
  const RECORDED_IDENTITY = 'us-east-1:88859bc9-0149-4183-bf10-39e36EXAMPLE'
  const identityKey = tokenKeys.identityId(CLOUD_CONFIG.identityPoolId, USER.sub)
  const pool = (name: string) => recorded('cognito-identity', name)

  function newCredentials(): IdentityCredentials {
    const client = new CognitoIdentityClient({
      region: CLOUD_CONFIG.region,
      endpoint: replay.endpoint,
      credentials: REPLAY_CREDENTIALS,
    })
    const auth = { idToken: async () => 'id-token-for-ada', userSub: USER.sub }
    return new IdentityCredentials({ config: CLOUD_CONFIG, auth, store, clock, client, retryDelayMs: 1000 })
  }

  beforeEach(() => {
    // An hour before the recorded credentials expire.
    clock = new ManualClock()
    clock.advance(RECORDED_EXPIRATION - HOUR)
  })

  it('gets an identity and credentials; the SDK turns the epoch-second expiration into the refresh time', async () => {
    replay.answer(pool('get-id'), pool('get-credentials-for-identity'))
    const credentials = newCredentials()

    await expect(credentials.start()).resolves.toBe(RECORDED_IDENTITY)
    const current = credentials.current()
    expect(current).toEqual({
      accessKeyId: 'access-key-id',
      secretAccessKey: 'secret-access-key',
      sessionToken: 'session-token',
      expiration: new Date(RECORDED_EXPIRATION),
    })
    expect(await store.get(identityKey)).toBe(RECORDED_IDENTITY)
    expect(replay.requests.map((r) => r.target)).toEqual([
      'AWSCognitoIdentityService.GetId',
      'AWSCognitoIdentityService.GetCredentialsForIdentity',
    ])
    expect(replay.requests[0]!.body).toEqual({
      IdentityPoolId: CLOUD_CONFIG.identityPoolId,
      Logins: { [LOGIN_PROVIDER]: 'id-token-for-ada' },
    })

    // Nothing is fetched until the margin before that expiration, then the credentials are renewed.
    replay.answer(pool('get-credentials-for-identity'))
    clock.advance(HOUR - 5 * 60_000 - 1)
    expect(replay.requests).toHaveLength(2)
    clock.advance(1)
    await expect.poll(() => replay.requests.length).toBe(3)
    expect(replay.requests[2]!.body).toEqual({
      IdentityId: RECORDED_IDENTITY,
      Logins: { [LOGIN_PROVIDER]: 'id-token-for-ada' },
    })
    credentials.close()
  })

  it('replaces a stored identity the pool answers "does not exist" for, once', async () => {
    await store.set(identityKey, 'us-east-1:00000000-0000-0000-0000-000000000000')
    replay.answer(pool('error-identity-not-found'), pool('get-id'), pool('get-credentials-for-identity'))
    const credentials = newCredentials()

    await expect(credentials.start()).resolves.toBe(RECORDED_IDENTITY)

    expect(replay.requests.map((r) => r.target?.split('.')[1])).toEqual([
      'GetCredentialsForIdentity',
      'GetId',
      'GetCredentialsForIdentity',
    ])
    expect(await store.get(identityKey)).toBe(RECORDED_IDENTITY)
    credentials.close()
  })

  it('reports a recorded "login token expired" refusal in plain words and retries later', async () => {
    replay.answer(pool('error-login-token-expired'))
    const credentials = newCredentials()
    const errors: string[] = []
    credentials.onError((error) => errors.push(error.message))

    await expect(credentials.start()).rejects.toThrow(
      'The identity pool refused this sign-in. Sign out and sign in again.',
    )
    expect(errors).toEqual(['The identity pool refused this sign-in. Sign out and sign in again.'])

    replay.answer(pool('get-id'), pool('get-credentials-for-identity'))
    clock.advance(1000)
    await expect.poll(() => replay.requests.length).toBe(3)
    await settle()
    expect(credentials.current().accessKeyId).toBe('access-key-id')
    credentials.close()
  })
})
