import { beforeEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity'
import { IdentityCredentials, type IdTokenSource } from '../../../src-main/core/cloud/identity-credentials'
import { AuthError } from '../../../src-main/core/cloud/auth-errors'
import { tokenKeys, type FileTokenStore } from '../../../src-main/core/cloud/token-store'
import { ManualClock } from '../../support/manual-clock'
import type { Clock } from '../../../src-main/lib/clock'
import {
  awsError,
  CLOUD_CONFIG,
  IDENTITY_ID,
  LOGIN_PROVIDER,
  SECRETS,
  secretsIn,
  settle,
  tempTokenStore,
  USER,
} from './cloud-fixtures'

const cognitoIdentity = mockClient(CognitoIdentityClient)
const HOUR = 3_600_000
const MARGIN = 5 * 60_000
const ID_TOKEN = 'id-token-for-ada'
const IDENTITY_KEY = tokenKeys.identityId(CLOUD_CONFIG.identityPoolId, USER.sub)
const LOGINS = { [LOGIN_PROVIDER]: ID_TOKEN }

let clock: ManualClock
let store: FileTokenStore
let issued: number

const signedInAs = (sub: string | undefined = USER.sub): IdTokenSource => ({
  idToken: async () => ID_TOKEN,
  userSub: sub,
})

function newCredentials(auth: IdTokenSource = signedInAs(), timeSource: Clock = clock): IdentityCredentials {
  return new IdentityCredentials({
    config: CLOUD_CONFIG,
    auth,
    store,
    clock: timeSource,
    client: new CognitoIdentityClient({ region: 'us-east-1' }),
  })
}

/** Time moves but timers never fire: a computer that slept through its refresh time. */
class SleepingClock implements Clock {
  constructor(public time: number) {}
  now = () => this.time
  setTimeout = () => 0
  clearTimeout = () => {}
}

/** The identity pool's answer: numbered credentials valid for `validForMs` from the clock's now. */
function credentialsAnswer(validForMs = HOUR) {
  issued += 1
  return {
    IdentityId: IDENTITY_ID,
    Credentials: {
      AccessKeyId: `ASIA${issued}`,
      SecretKey: SECRETS.secretKey,
      SessionToken: SECRETS.sessionToken,
      Expiration: new Date(clock.now() + validForMs),
    },
  }
}

const credentialCalls = () => cognitoIdentity.commandCalls(GetCredentialsForIdentityCommand)

beforeEach(async () => {
  cognitoIdentity.reset()
  clock = new ManualClock()
  clock.advance(1_800_000_000_000)
  store = await tempTokenStore()
  issued = 0
  cognitoIdentity.on(GetIdCommand).resolves({ IdentityId: IDENTITY_ID })
  cognitoIdentity.on(GetCredentialsForIdentityCommand).callsFake(() => credentialsAnswer())
})

describe('identity and credentials', () => {
  it('gets the identity id with the user pool login, then credentials for it', async () => {
    const credentials = newCredentials()
    expect(await credentials.start()).toBe(IDENTITY_ID)
    expect(cognitoIdentity.commandCalls(GetIdCommand).map((call) => call.args[0].input)).toEqual([
      {
        IdentityPoolId: CLOUD_CONFIG.identityPoolId,
        Logins: { 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123': ID_TOKEN },
      },
    ])
    expect(credentialCalls().map((call) => call.args[0].input)).toEqual([{ IdentityId: IDENTITY_ID, Logins: LOGINS }])
    expect(credentials.current()).toEqual({
      accessKeyId: 'ASIA1',
      secretAccessKey: SECRETS.secretKey,
      sessionToken: SECRETS.sessionToken,
      expiration: new Date(clock.now() + HOUR),
    })
    credentials.close()
  })

  it('keeps the identity id across restarts, per identity pool and user', async () => {
    await newCredentials()
      .start()
      .then(() => undefined)
    expect(await store.get(IDENTITY_KEY)).toBe(IDENTITY_ID)

    const restarted = newCredentials()
    expect(await restarted.start()).toBe(IDENTITY_ID)
    expect(cognitoIdentity.commandCalls(GetIdCommand)).toHaveLength(1)
    expect(credentialCalls()).toHaveLength(2)

    // Another user on the same computer never gets this user's id.
    const other = newCredentials(signedInAs('another-user-sub'))
    await other.start()
    expect(cognitoIdentity.commandCalls(GetIdCommand)).toHaveLength(2)
    for (const instance of [restarted, other]) instance.close()
  })

  it('replaces a stored identity id that the pool no longer knows', async () => {
    await store.set(IDENTITY_KEY, 'us-east-1:00000000-dead-dead-dead-000000000000')
    cognitoIdentity
      .on(GetCredentialsForIdentityCommand, { IdentityId: 'us-east-1:00000000-dead-dead-dead-000000000000' })
      .rejects(awsError('ResourceNotFoundException', 'Identity not found'))
    const credentials = newCredentials()
    expect(await credentials.start()).toBe(IDENTITY_ID)
    expect(await store.get(IDENTITY_KEY)).toBe(IDENTITY_ID)
    expect(credentialCalls().map((call) => call.args[0].input.IdentityId)).toEqual([
      'us-east-1:00000000-dead-dead-dead-000000000000',
      IDENTITY_ID,
    ])
    credentials.close()
  })
})

describe('refresh before expiry', () => {
  it('refreshes in the background five minutes before expiry and tells observers', async () => {
    const credentials = newCredentials()
    await credentials.start()
    const changes: string[] = []
    credentials.onChange((fresh) => changes.push(fresh.accessKeyId))

    clock.advance(HOUR - MARGIN - 1)
    await settle()
    expect(credentialCalls()).toHaveLength(1)

    clock.advance(1)
    await settle()
    expect(credentialCalls()).toHaveLength(2)
    expect(changes).toEqual(['ASIA2'])
    expect(credentials.current().accessKeyId).toBe('ASIA2')

    clock.advance(HOUR - MARGIN) // and again an hour later
    await settle()
    expect(credentials.current().accessKeyId).toBe('ASIA3')
    credentials.close()
    expect(clock.pendingTimers).toBe(0)
  })

  it('starts a background refresh when asked for credentials past their refresh time (the computer slept)', async () => {
    const sleeping = new SleepingClock(clock.now())
    const credentials = newCredentials(signedInAs(), sleeping)
    await credentials.start()
    sleeping.time += HOUR
    expect(credentials.current().accessKeyId).toBe('ASIA1') // the handshake is not kept waiting
    await settle()
    expect(credentialCalls()).toHaveLength(2)
    expect(credentials.current().accessKeyId).toBe('ASIA2')
    credentials.close()
  })

  it('makes the SDK provider wait for fresh credentials inside the margin, one refresh for all callers', async () => {
    const sleeping = new SleepingClock(clock.now())
    const credentials = newCredentials(signedInAs(), sleeping)
    await credentials.start()
    sleeping.time += HOUR - MARGIN + 1
    const all = await Promise.all([credentials.provider(), credentials.provider(), credentials.provider()])
    expect(all.map((c) => c.accessKeyId)).toEqual(['ASIA2', 'ASIA2', 'ASIA2'])
    expect(credentialCalls()).toHaveLength(2)
    credentials.close()
  })

  it('retries a failed refresh with back-off, reporting it plainly, while the old credentials still serve', async () => {
    const credentials = newCredentials()
    await credentials.start()
    const errors: string[] = []
    credentials.onError((error) => errors.push(error.message))
    let offline = true
    cognitoIdentity.on(GetCredentialsForIdentityCommand).callsFake(async () => {
      if (!offline) return credentialsAnswer()
      offline = false
      throw Object.assign(new Error(`connect ETIMEDOUT for ${SECRETS.sessionToken}`), { code: 'ETIMEDOUT' })
    })

    clock.advance(HOUR - MARGIN)
    await settle()
    expect(errors).toEqual([
      'Cannot reach Amazon Cognito for cloud credentials. Check the internet connection and the proxy settings.',
    ])
    expect(secretsIn(errors.join())).toEqual([])
    expect(credentials.current().accessKeyId).toBe('ASIA1')

    clock.advance(30_000)
    await settle()
    expect(credentials.current().accessKeyId).toBe('ASIA2')
    credentials.close()
  })
})

describe('concurrent and failed refreshes', () => {
  it('shares one fetch between concurrent refresh calls', async () => {
    const credentials = newCredentials()
    await credentials.start()
    const results = await Promise.all([credentials.refresh(), credentials.refresh(), credentials.refresh()])
    expect(credentialCalls()).toHaveLength(2)
    expect(results.map((c) => c.accessKeyId)).toEqual(['ASIA2', 'ASIA2', 'ASIA2'])
    credentials.close()
  })

  it('stops retrying once the user is signed out, and says why', async () => {
    let signedOut = false
    const auth: IdTokenSource = {
      idToken: async () => {
        if (signedOut)
          throw new AuthError('session-expired', 'Your session has ended. Please sign in again.', 'session-ended')
        return ID_TOKEN
      },
      userSub: USER.sub,
    }
    const credentials = newCredentials(auth)
    await credentials.start()
    const errors: Error[] = []
    credentials.onError((error) => errors.push(error))
    signedOut = true
    clock.advance(HOUR - MARGIN)
    await settle()
    expect(errors.map((error) => error.message)).toEqual(['Your session has ended. Please sign in again.'])
    expect(clock.pendingTimers).toBe(0)
    credentials.close()
  })

  it('fails start() plainly when the identity pool refuses the login', async () => {
    cognitoIdentity.on(GetIdCommand).rejects(awsError('NotAuthorizedException', `Invalid login token ${ID_TOKEN}`))
    const credentials = newCredentials()
    await expect(credentials.start()).rejects.toThrow(
      /^The identity pool refused this sign-in\. Sign out and sign in again\.$/,
    )
    expect(() => credentials.current()).toThrow(/not ready/)
    credentials.close()
    expect(clock.pendingTimers).toBe(0)
  })
})
