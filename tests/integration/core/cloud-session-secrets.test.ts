/**
 * Without real encryption (Linux's basic_text here) the real core never writes the Cognito refresh token: cloud
 * mode works for the session, and after a restart the user signs in again. Cognito is mocked at the SDK edge.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { mockClient } from 'aws-sdk-client-mock'
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AuthState, ConnectionState, PublicSettings } from '../../../src-main/shared/ipc-contract'
import { startAppCore, type AppCore } from '../../../src-main/core/app-core'
import { unencryptedCodec } from '../../../src-main/core/settings/secret-storage'
import { startTestCore } from '../../support/test-core'
import { CLOUD_CONFIG, fakeIdToken, USER } from '../../unit/cloud/cloud-fixtures'
import { OUTCOME_WAIT } from '../../support/deadline'

const REFRESH_TOKEN = 'planted-refresh-token-41c9'
const cognito = mockClient(CognitoIdentityProviderClient)

let t: Awaited<ReturnType<typeof startTestCore>> | undefined
let restarted: AppCore | undefined
afterEach(async () => {
  await restarted?.stop()
  await t?.stop()
  cognito.reset()
})

describe('the cloud sign-in without a keychain', () => {
  it('is kept for the session only: the refresh token never reaches the disk, the next start asks to sign in', async () => {
    cognito.on(InitiateAuthCommand).resolves({
      AuthenticationResult: {
        IdToken: fakeIdToken(Date.now() + 3_600_000),
        AccessToken: 'access',
        RefreshToken: REFRESH_TOKEN,
        ExpiresIn: 3600,
      },
    })
    const secrets = unencryptedCodec('basic-text')
    t = await startTestCore({ broker: 'embedded', modelIds: ['alpha'], realModes: true, secrets })
    const call = <T>(channel: string, ...args: unknown[]) => t!.invoke(channel, args) as Promise<T>
    expect((await call<PublicSettings>('settings:get')).secretStorage).toMatchObject({
      encrypted: false,
      weakness: 'basic-text',
    })
    await call('settings:set-cloud-config', JSON.stringify(CLOUD_CONFIG))
    await call('settings:set-mode', 'cloud')
    expect(await call('auth:sign-in', USER.email, 'a password')).toEqual({ kind: 'signed-in', email: USER.email })
    expect(await call<AuthState>('auth:get-state')).toMatchObject({ signedIn: true })
    const session = await readFile(join(t.userDataDir, 'cloud-session.json'), 'utf8').catch(() => '')
    expect(session).not.toContain(REFRESH_TOKEN)
    const userDataDir = t.userDataDir
    await t.stop()
    t = undefined

    restarted = await startAppCore({ userDataDir, appVersion: 'test', secrets })
    const connections: ConnectionState[] = [restarted.status().connection]
    restarted.events.on('connection:changed', (state) => connections.push(state))
    expect(await restarted.router.invoke('auth:get-state', [])).toMatchObject({ configured: true, signedIn: false })
    await vi.waitFor(
      () => expect(connections.at(-1)).toMatchObject({ mode: 'cloud', detail: 'Sign in to use cloud mode.' }),
      OUTCOME_WAIT,
    )
  }, 60_000)
})
