import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
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
} from '@aws-sdk/client-cognito-identity-provider'
import { CognitoAuth, type AuthState } from '../../../src-main/core/cloud/cognito-auth'
import { AuthError } from '../../../src-main/core/cloud/auth-errors'
import { tokenKeys, type FileTokenStore } from '../../../src-main/core/cloud/token-store'
import { ManualClock } from '../../support/manual-clock'
import { awsError, CLOUD_CONFIG, fakeIdToken, SECRETS, secretsIn, tempTokenStore, USER } from './cloud-fixtures'

const cognito = mockClient(CognitoIdentityProviderClient)
const HOUR = 3_600_000
const MARGIN = 5 * 60_000
const REFRESH_KEY = tokenKeys.refreshToken(CLOUD_CONFIG.userPoolClientId)

let clock: ManualClock
let store: FileTokenStore
let logLines: string[]
let states: AuthState[]

function newAuth(): CognitoAuth {
  const auth = new CognitoAuth({
    config: CLOUD_CONFIG,
    store,
    clock,
    client: new CognitoIdentityProviderClient({ region: 'us-east-1' }),
    log: (event, fields) => logLines.push(`${event} ${JSON.stringify(fields ?? {})}`),
  })
  auth.on('change', (state) => states.push(state))
  return auth
}

/** Cognito's answer to a successful sign-in or refresh; the ID token expires an hour from the clock's now. */
function tokens(options: { refreshToken?: string; expiresAt?: number; email?: string } = {}) {
  return {
    AuthenticationResult: {
      IdToken: fakeIdToken(options.expiresAt ?? clock.now() + HOUR, {
        sub: USER.sub,
        email: options.email ?? USER.email,
      }),
      AccessToken: SECRETS.accessToken,
      ...(options.refreshToken !== undefined ? { RefreshToken: options.refreshToken } : {}),
      ExpiresIn: 3600,
      TokenType: 'Bearer',
    },
  }
}

const refreshInput = (token = SECRETS.refreshToken) => ({
  AuthFlow: 'REFRESH_TOKEN_AUTH',
  ClientId: CLOUD_CONFIG.userPoolClientId,
  AuthParameters: { REFRESH_TOKEN: token },
})
const refreshCalls = () => cognito.commandCalls(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })

async function signedIn(): Promise<CognitoAuth> {
  cognito
    .on(InitiateAuthCommand, { AuthFlow: 'USER_PASSWORD_AUTH' })
    .resolves(tokens({ refreshToken: SECRETS.refreshToken }))
  const auth = newAuth()
  await auth.signIn(USER.email, SECRETS.password)
  return auth
}

beforeEach(async () => {
  cognito.reset()
  clock = new ManualClock()
  clock.advance(1_800_000_000_000) // a realistic epoch, so token `exp` claims are ordinary numbers
  store = await tempTokenStore()
  logLines = []
  states = []
})
afterEach(() => {
  // Whatever a test did, nothing it logged may hold a secret.
  expect(secretsIn(logLines.join('\n'))).toEqual([])
})

describe('sign-up', () => {
  it('signs up with the email as user name and attribute, and reports where the code went', async () => {
    cognito.on(SignUpCommand).resolves({
      UserConfirmed: false,
      UserSub: USER.sub,
      CodeDeliveryDetails: { Destination: 'a***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' },
    })
    const result = await newAuth().signUp(USER.email, SECRETS.password)
    expect(result).toEqual({ confirmed: false, delivery: { destination: 'a***@e***', medium: 'EMAIL' } })
    expect(cognito.commandCalls(SignUpCommand).map((call) => call.args[0].input)).toEqual([
      {
        ClientId: CLOUD_CONFIG.userPoolClientId,
        Username: USER.email,
        Password: SECRETS.password,
        UserAttributes: [{ Name: 'email', Value: USER.email }],
      },
    ])
  })

  it.each([
    [
      'an invite-only pool',
      awsError('NotAuthorizedException', 'SignUp is not permitted for this user pool'),
      'This StreamDesk backend is invite-only: ask its administrator to create your account.',
    ],
    [
      "the pre-sign-up trigger's refusal of the domain",
      awsError(
        'UserLambdaValidationException',
        'PreSignUp failed with error Sign-up is limited to the email domains this StreamDesk deployment allows; ask its administrator.',
      ),
      'Sign-up is limited to the email domains this StreamDesk backend allows. Ask its administrator.',
    ],
  ])('says plainly when the sign-up policy refuses a sign-up: %s', async (_name, error, message) => {
    cognito.on(SignUpCommand).rejects(error)
    await expect(newAuth().signUp(USER.email, SECRETS.password)).rejects.toThrow(message)
  })

  it('confirms with the emailed code and can send a new one', async () => {
    cognito.on(ConfirmSignUpCommand).resolves({})
    cognito
      .on(ResendConfirmationCodeCommand)
      .resolves({ CodeDeliveryDetails: { Destination: 'a***@e***', DeliveryMedium: 'EMAIL' } })
    const auth = newAuth()
    await auth.confirmSignUp(USER.email, SECRETS.code)
    expect(await auth.resendConfirmationCode(USER.email)).toEqual({ destination: 'a***@e***', medium: 'EMAIL' })
    expect(cognito.commandCalls(ConfirmSignUpCommand)[0]!.args[0].input).toEqual({
      ClientId: CLOUD_CONFIG.userPoolClientId,
      Username: USER.email,
      ConfirmationCode: SECRETS.code,
    })
    expect(cognito.commandCalls(ResendConfirmationCodeCommand)[0]!.args[0].input).toEqual({
      ClientId: CLOUD_CONFIG.userPoolClientId,
      Username: USER.email,
    })
  })
})

describe('sign-in', () => {
  it('signs in with USER_PASSWORD_AUTH, keeps the refresh token in the store and knows the email', async () => {
    const auth = await signedIn()
    expect(cognito.commandCalls(InitiateAuthCommand).map((call) => call.args[0].input)).toEqual([
      {
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: CLOUD_CONFIG.userPoolClientId,
        AuthParameters: { USERNAME: USER.email, PASSWORD: SECRETS.password },
      },
    ])
    expect(await store.get(REFRESH_KEY)).toBe(SECRETS.refreshToken)
    expect(auth.email).toBe(USER.email)
    expect(auth.userSub).toBe(USER.sub)
    expect(states).toEqual([{ signedIn: true, email: USER.email }])
  })

  it('answers NEW_PASSWORD_REQUIRED for the pool user the challenge names', async () => {
    cognito.on(InitiateAuthCommand).resolves({
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: 'challenge-session-1',
      ChallengeParameters: { USER_ID_FOR_SRP: 'pool-user-1', requiredAttributes: '[]' },
    })
    cognito.on(RespondToAuthChallengeCommand).resolves(tokens({ refreshToken: SECRETS.refreshToken }))
    const auth = newAuth()
    expect(await auth.signIn(USER.email, SECRETS.password)).toEqual({ kind: 'new-password-required' })
    expect(await auth.answerChallenge({ newPassword: SECRETS.newPassword })).toEqual({
      kind: 'signed-in',
      email: USER.email,
    })
    expect(cognito.commandCalls(RespondToAuthChallengeCommand).map((call) => call.args[0].input)).toEqual([
      {
        ClientId: CLOUD_CONFIG.userPoolClientId,
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: 'challenge-session-1',
        ChallengeResponses: { USERNAME: 'pool-user-1', NEW_PASSWORD: SECRETS.newPassword },
      },
    ])
    expect(await store.get(REFRESH_KEY)).toBe(SECRETS.refreshToken)
  })

  it('answers SOFTWARE_TOKEN_MFA, and lets the user retry a mistyped code in the same session', async () => {
    cognito.on(InitiateAuthCommand).resolves({
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: 'mfa-session',
      ChallengeParameters: { USER_ID_FOR_SRP: 'pool-user-1' },
    })
    cognito
      .on(RespondToAuthChallengeCommand)
      .rejectsOnce(awsError('CodeMismatchException', 'Invalid code received for user'))
      .resolves(tokens({ refreshToken: SECRETS.refreshToken }))
    const auth = newAuth()
    expect(await auth.signIn(USER.email, SECRETS.password)).toEqual({ kind: 'mfa-code-required' })
    await expect(auth.answerChallenge({ mfaCode: '000000' })).rejects.toMatchObject({ code: 'code-mismatch' })
    expect(await auth.answerChallenge({ mfaCode: SECRETS.code })).toEqual({ kind: 'signed-in', email: USER.email })
    expect(cognito.commandCalls(RespondToAuthChallengeCommand).map((call) => call.args[0].input)).toEqual([
      {
        ClientId: CLOUD_CONFIG.userPoolClientId,
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: 'mfa-session',
        ChallengeResponses: { USERNAME: 'pool-user-1', SOFTWARE_TOKEN_MFA_CODE: '000000' },
      },
      {
        ClientId: CLOUD_CONFIG.userPoolClientId,
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: 'mfa-session',
        ChallengeResponses: { USERNAME: 'pool-user-1', SOFTWARE_TOKEN_MFA_CODE: SECRETS.code },
      },
    ])
  })

  it('follows a chain of challenges: new password, then the MFA code', async () => {
    cognito
      .on(InitiateAuthCommand)
      .resolves({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 's1', ChallengeParameters: {} })
    cognito
      .on(RespondToAuthChallengeCommand, { ChallengeName: 'NEW_PASSWORD_REQUIRED' })
      .resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 's2', ChallengeParameters: {} })
      .on(RespondToAuthChallengeCommand, { ChallengeName: 'SOFTWARE_TOKEN_MFA' })
      .resolves(tokens({ refreshToken: SECRETS.refreshToken }))
    const auth = newAuth()
    await auth.signIn(USER.email, SECRETS.password)
    expect(await auth.answerChallenge({ newPassword: SECRETS.newPassword })).toEqual({ kind: 'mfa-code-required' })
    await expect(auth.answerChallenge({ newPassword: SECRETS.newPassword })).rejects.toMatchObject({
      code: 'no-challenge',
    })
    expect(await auth.answerChallenge({ mfaCode: SECRETS.code })).toMatchObject({ kind: 'signed-in' })
    const sessions = cognito.commandCalls(RespondToAuthChallengeCommand).map((call) => call.args[0].input.Session)
    expect(sessions).toEqual(['s1', 's2'])
    expect(cognito.commandCalls(RespondToAuthChallengeCommand)[1]!.args[0].input.ChallengeResponses).toEqual({
      USERNAME: USER.email,
      SOFTWARE_TOKEN_MFA_CODE: SECRETS.code,
    })
  })

  it('refuses a challenge it cannot answer, and an answer with no sign-in waiting', async () => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'MFA_SETUP', Session: 's', ChallengeParameters: {} })
    const auth = newAuth()
    await expect(auth.signIn(USER.email, SECRETS.password)).rejects.toMatchObject({
      code: 'unsupported-challenge',
      message: expect.stringContaining('MFA_SETUP'),
    })
    await expect(auth.answerChallenge({ mfaCode: SECRETS.code })).rejects.toMatchObject({ code: 'no-challenge' })
    expect(cognito.commandCalls(RespondToAuthChallengeCommand)).toHaveLength(0)
  })
})

describe('the session across restarts and token expiry', () => {
  it('restores the stored session with REFRESH_TOKEN_AUTH', async () => {
    await store.set(REFRESH_KEY, SECRETS.refreshToken)
    cognito.on(InitiateAuthCommand).resolves(tokens())
    const auth = newAuth()
    expect(await auth.restore()).toBe(true)
    expect(refreshCalls().map((call) => call.args[0].input)).toEqual([refreshInput()])
    expect(auth.email).toBe(USER.email)
    expect(await store.get(REFRESH_KEY)).toBe(SECRETS.refreshToken)
  })

  it('restores nothing without a stored token, and forgets a token Cognito no longer accepts', async () => {
    expect(await newAuth().restore()).toBe(false)
    expect(cognito.calls()).toHaveLength(0)

    await store.set(REFRESH_KEY, SECRETS.refreshToken)
    cognito.on(InitiateAuthCommand).rejects(awsError('NotAuthorizedException', 'Refresh Token has been revoked'))
    expect(await newAuth().restore()).toBe(false)
    expect(await store.get(REFRESH_KEY)).toBeUndefined()
  })

  it('keeps the stored token when Cognito cannot be reached, and says so plainly', async () => {
    await store.set(REFRESH_KEY, SECRETS.refreshToken)
    cognito
      .on(InitiateAuthCommand)
      .rejects(
        Object.assign(new Error('getaddrinfo ENOTFOUND cognito-idp.us-east-1.amazonaws.com'), { code: 'ENOTFOUND' }),
      )
    await expect(newAuth().restore()).rejects.toMatchObject({
      code: 'network',
      message: expect.stringMatching(/Cannot reach Amazon Cognito/),
    })
    expect(await store.get(REFRESH_KEY)).toBe(SECRETS.refreshToken)
  })

  it('hands out the current ID token without calling Cognito while it is outside the margin', async () => {
    const auth = await signedIn()
    const first = await auth.idToken()
    clock.advance(HOUR - MARGIN - 1)
    expect(await auth.idToken()).toBe(first)
    expect(refreshCalls()).toHaveLength(0)
  })

  it('refreshes a token expiring within the margin, and one already expired', async () => {
    const auth = await signedIn()
    cognito.on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' }).callsFake(() => tokens())
    const original = await auth.idToken()

    clock.advance(HOUR - MARGIN + 1) // within the margin, not yet expired
    const renewed = await auth.idToken()
    expect(renewed).not.toBe(original)
    expect(refreshCalls().map((call) => call.args[0].input)).toEqual([refreshInput()])

    clock.advance(2 * HOUR) // long past expiry (e.g. after the computer slept)
    const again = await auth.idToken()
    expect(again).not.toBe(renewed)
    expect(refreshCalls()).toHaveLength(2)
    expect(auth.state).toEqual({ signedIn: true, email: USER.email })
  })

  it('shares one refresh between concurrent callers', async () => {
    const auth = await signedIn()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    cognito.on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' }).callsFake(async () => {
      await gate
      return tokens()
    })
    clock.advance(HOUR)
    const callers = Promise.all([auth.idToken(), auth.idToken(), auth.idToken()])
    release()
    const [a, b, c] = await callers
    expect(new Set([a, b, c]).size).toBe(1)
    expect(refreshCalls()).toHaveLength(1)
  })

  it('surfaces a failed refresh, keeps the session for the next try, and stores a rotated refresh token', async () => {
    const auth = await signedIn()
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .rejectsOnce(awsError('InternalErrorException', `upstream failed for ${SECRETS.refreshToken}`))
      .resolves(tokens({ refreshToken: 'rotated-refresh-token' }))
    clock.advance(HOUR)
    const failure = await auth.idToken().catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(AuthError)
    expect((failure as AuthError).message).toMatch(/unexpected error \(InternalErrorException\)/)
    expect(secretsIn((failure as AuthError).message)).toEqual([])
    expect(auth.state.signedIn).toBe(true)

    await auth.idToken()
    expect(await store.get(REFRESH_KEY)).toBe('rotated-refresh-token')
    await auth.idToken()
    clock.advance(HOUR)
    await auth.idToken()
    expect(refreshCalls().at(-1)!.args[0].input).toEqual(refreshInput('rotated-refresh-token'))
  })

  it('signs out when the refresh token has expired', async () => {
    const auth = await signedIn()
    cognito
      .on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' })
      .rejects(awsError('NotAuthorizedException', 'Refresh Token has expired'))
    clock.advance(HOUR)
    await expect(auth.idToken()).rejects.toMatchObject({
      code: 'session-expired',
      message: 'Your session has ended. Please sign in again.',
    })
    expect(auth.state).toEqual({ signedIn: false })
    expect(await store.get(REFRESH_KEY)).toBeUndefined()
    expect(states.at(-1)).toEqual({ signedIn: false })
  })
})

describe('sign-out and password reset', () => {
  it('clears the stored refresh token and revokes it', async () => {
    cognito.on(RevokeTokenCommand).resolves({})
    const auth = await signedIn()
    await auth.signOut()
    expect(await store.get(REFRESH_KEY)).toBeUndefined()
    expect(cognito.commandCalls(RevokeTokenCommand).map((call) => call.args[0].input)).toEqual([
      { ClientId: CLOUD_CONFIG.userPoolClientId, Token: SECRETS.refreshToken },
    ])
    expect(states.at(-1)).toEqual({ signedIn: false })
    await expect(auth.idToken()).rejects.toMatchObject({ code: 'signed-out' })
  })

  it('signs out offline too: the token is gone here even when it cannot be revoked', async () => {
    cognito.on(RevokeTokenCommand).rejects(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
    const auth = await signedIn()
    await auth.signOut()
    expect(await store.get(REFRESH_KEY)).toBeUndefined()
    expect(auth.state.signedIn).toBe(false)
    expect(logLines.some((line) => line.startsWith('cognito-revoke-failed'))).toBe(true)
  })

  it('does not let a refresh that was in flight sign the user back in', async () => {
    const auth = await signedIn()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    cognito.on(RevokeTokenCommand).resolves({})
    cognito.on(InitiateAuthCommand, { AuthFlow: 'REFRESH_TOKEN_AUTH' }).callsFake(async () => {
      await gate
      return tokens({ refreshToken: 'late-refresh-token' })
    })
    clock.advance(HOUR)
    const refreshing = auth.idToken()
    await auth.signOut()
    release()
    await expect(refreshing).rejects.toMatchObject({ code: 'signed-out' })
    expect(auth.state.signedIn).toBe(false)
    expect(await store.get(REFRESH_KEY)).toBeUndefined()
  })

  it('sends a reset code and sets the new password with it', async () => {
    cognito
      .on(ForgotPasswordCommand)
      .resolves({ CodeDeliveryDetails: { Destination: 'a***@e***', DeliveryMedium: 'EMAIL' } })
    cognito.on(ConfirmForgotPasswordCommand).resolves({})
    const auth = newAuth()
    expect(await auth.forgotPassword(USER.email)).toEqual({ destination: 'a***@e***', medium: 'EMAIL' })
    await auth.confirmForgotPassword(USER.email, SECRETS.code, SECRETS.newPassword)
    expect(cognito.commandCalls(ForgotPasswordCommand)[0]!.args[0].input).toEqual({
      ClientId: CLOUD_CONFIG.userPoolClientId,
      Username: USER.email,
    })
    expect(cognito.commandCalls(ConfirmForgotPasswordCommand)[0]!.args[0].input).toEqual({
      ClientId: CLOUD_CONFIG.userPoolClientId,
      Username: USER.email,
      ConfirmationCode: SECRETS.code,
      Password: SECRETS.newPassword,
    })
  })
})

describe('error messages', () => {
  // Each AWS message deliberately quotes a secret, as a careless service or proxy might: none may get through.
  const quoting = `request had ${SECRETS.password} ${SECRETS.code} ${SECRETS.refreshToken}`
  it.each([
    [
      'sign-in',
      'NotAuthorizedException',
      'Incorrect username or password.',
      'not-authorized',
      /^Incorrect email or password\.$/,
    ],
    ['sign-in', 'NotAuthorizedException', 'Password attempts exceeded', 'limit-exceeded', /Too many failed attempts/],
    ['sign-in', 'NotAuthorizedException', 'User is disabled.', 'not-authorized', /disabled/],
    ['sign-in', 'NotAuthorizedException', 'Unable to verify secret hash for client', 'configuration', /client secret/],
    ['sign-in', 'UserNotFoundException', quoting, 'not-authorized', /^Incorrect email or password\.$/],
    ['sign-in', 'UserNotConfirmedException', quoting, 'not-confirmed', /not confirmed yet/],
    [
      'sign-in',
      'InvalidParameterException',
      'USER_PASSWORD_AUTH flow not enabled for this client',
      'configuration',
      /USER_PASSWORD_AUTH/,
    ],
    ['sign-in', 'ResourceNotFoundException', quoting, 'configuration', /Load the stack outputs again/],
    ['sign-in', 'TooManyRequestsException', quoting, 'limit-exceeded', /Too many attempts/],
    ['sign-up', 'UsernameExistsException', quoting, 'username-exists', /already exists/],
    [
      'sign-up',
      'InvalidPasswordException',
      'Password did not conform with policy: Password must have uppercase characters',
      'invalid-password',
      /requirements: Password must have uppercase characters$/,
    ],
    [
      'sign-up',
      'InvalidPasswordException',
      quoting,
      'invalid-password',
      /^The password does not meet the requirements\.$/,
    ],
    ['sign-up', 'InvalidParameterException', quoting, 'invalid-input', /Check the email address/],
    ['confirm', 'CodeMismatchException', quoting, 'code-mismatch', /code is not right/],
    ['confirm', 'ExpiredCodeException', quoting, 'expired-code', /expired/],
    ['forgot', 'LimitExceededException', quoting, 'limit-exceeded', /Too many attempts/],
    ['forgot', 'UserNotFoundException', quoting, 'not-authorized', /No account uses this email/],
    ['sign-in', 'SomethingNewException', quoting, 'unknown', /unexpected error \(SomethingNewException\)/],
    ['sign-in', 'TimeoutError', quoting, 'network', /Cannot reach Amazon Cognito/],
  ])('%s: %s (%s) → %s', async (step, name, awsMessage, code, message) => {
    const error = awsError(name, awsMessage)
    cognito.on(InitiateAuthCommand).rejects(error).on(SignUpCommand).rejects(error)
    cognito.on(ConfirmSignUpCommand).rejects(error).on(ForgotPasswordCommand).rejects(error)
    const auth = newAuth()
    const attempt = {
      'sign-in': () => auth.signIn(USER.email, SECRETS.password),
      'sign-up': () => auth.signUp(USER.email, SECRETS.password),
      confirm: () => auth.confirmSignUp(USER.email, SECRETS.code),
      forgot: () => auth.forgotPassword(USER.email),
    }[step]!
    const failure = await attempt().catch((caught: unknown) => caught)
    expect(failure).toBeInstanceOf(AuthError)
    expect(failure).toMatchObject({ code, message: expect.stringMatching(message) })
    expect(secretsIn((failure as Error).message)).toEqual([])
    // The keyed words the window shows (and their detail) carry no secret either.
    expect((failure as AuthError).userMessage.key).toBe('auth:error')
    expect(secretsIn(JSON.stringify((failure as AuthError).userMessage))).toEqual([])
    expect(logLines.join('\n')).not.toContain(awsMessage)
  })

  it("keys a refused password by reason, with Cognito's policy (never the password) as detail", async () => {
    const policy = 'Password did not conform with policy: Password must have uppercase characters'
    cognito.on(SignUpCommand).rejects(awsError('InvalidPasswordException', policy))
    const failure = (await newAuth()
      .signUp(USER.email, SECRETS.password)
      .catch((caught: unknown) => caught)) as AuthError
    expect(failure.userMessage).toEqual({
      key: 'auth:error',
      params: { reason: 'password-policy' },
      detail: 'Password must have uppercase characters',
    })
  })
})
