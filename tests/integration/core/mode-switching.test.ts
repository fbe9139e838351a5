/**
 * Choosing between local and cloud mode through the IPC router of the real core: loading the cloud backend's
 * settings, the sign-in gate, signing in and out (Cognito mocked at the SDK edge), and back to local mode.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { mockClient } from 'aws-sdk-client-mock'
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RevokeTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity'
import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type {
  AppStatus,
  AuthState,
  ConnectionState,
  Diagnostics,
  Notice,
  PublicSettings,
} from '../../../src-main/shared/ipc-contract'
import { startTestCore } from '../../support/test-core'
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../../fixtures/fake-openai-server'
import { CLOUD_CONFIG, fakeIdToken, IDENTITY_ID, USER } from '../../unit/cloud/cloud-fixtures'
import { OUTCOME_WAIT } from '../../support/deadline'
import { en } from '../../../src-renderer/src/i18n/en'
import { messageText } from '../../../src-renderer/src/i18n/main-message'
import { noticeWords } from '../../support/notice-words'
import type { UserFacingError } from '../../../src-main/core/user-facing-error'

const cognito = mockClient(CognitoIdentityProviderClient)
const identity = mockClient(CognitoIdentityClient)
const lambda = mockClient(LambdaClient)

let t: Awaited<ReturnType<typeof startTestCore>>
let openAi: FakeOpenAiServer
let connections: ConnectionState[]
let authStates: AuthState[]

beforeEach(async () => {
  for (const mock of [cognito, identity, lambda]) mock.reset()
  openAi = await startFakeOpenAiServer({ alpha: { kind: 'answer', deltas: ['local ', 'answer'] } })
  t = await startTestCore({ broker: 'embedded', modelIds: ['alpha'], baseUrl: openAi.baseUrl, realModes: true })
  connections = []
  authStates = []
  t.core.events.on('connection:changed', (state) => connections.push(state))
  t.core.events.on('auth:changed', (state) => authStates.push(state))
})
afterEach(async () => {
  await t.stop()
  await openAi.close()
})

const call = <T>(channel: string, ...args: unknown[]) => t.invoke(channel, args) as Promise<T>

describe('mode switching', () => {
  it('starts connected with no reconnect counted (both sessions report their connect; neither is a reconnect)', async () => {
    await expect
      .poll(async () => (await call<Diagnostics>('diagnostics:get')).connectionEvents.at(-1))
      .toMatch(/local connected$/)
    expect((await call<Diagnostics>('diagnostics:get')).reconnects).toBe(0)
  })

  it('refuses cloud mode until a backend is configured, and explains a bad configuration', async () => {
    await expect(call('settings:set-mode', 'cloud')).rejects.toThrow(/cloud backend's settings first/)
    await expect(call('settings:set-cloud-config', '{"region": 1')).rejects.toThrow()
    await expect(
      call('settings:set-cloud-config', JSON.stringify({ ...CLOUD_CONFIG, iotEndpoint: undefined })),
    ).rejects.toThrow(/iotEndpoint/)
    // The window words it in its language; the problems, named by field, are the detail.
    const refused = await call(
      'settings:set-cloud-config',
      JSON.stringify({ ...CLOUD_CONFIG, region: 'the moon' }),
    ).catch((error: unknown) => error)
    expect((refused as UserFacingError).userMessage).toEqual({
      key: 'cloud:config-invalid',
      params: { output: 'streamdesk_cloud_config' },
      detail: 'region should be an AWS region such as us-east-1',
    })
    await expect(call('auth:sign-in', USER.email, 'pw')).rejects.toThrow(/settings first/)
    expect(await call<AuthState>('auth:get-state')).toEqual({ configured: false, signedIn: false })
  })

  it('gates cloud mode on sign-in, queues prompts meanwhile, and returns to local mode', async () => {
    const view = await call<PublicSettings>(
      'settings:set-cloud-config',
      JSON.stringify({ streamdesk_cloud_config: { value: CLOUD_CONFIG } }),
    )
    expect(view.cloud).toEqual({
      region: 'us-east-1',
      models: [
        // What each reads is guessed from its id and label (a stack that says nothing of it).
        { id: 'claude', label: 'Claude', inputs: { images: true, documents: true } },
        { id: 'gpt', label: 'GPT', inputs: { images: false, documents: true } },
      ],
    })
    expect(authStates.at(-1)).toEqual({ configured: true, signedIn: false })

    const cloud = await call<PublicSettings>('settings:set-mode', 'cloud')
    expect(cloud).toMatchObject({ mode: 'cloud', selectedModelIds: ['claude', 'gpt'] })
    expect(connections.at(-1)).toMatchObject({ mode: 'cloud', status: 'offline', detail: 'Sign in to use cloud mode.' })
    await expect(call('chat:send', { prompt: 'hi', modelIds: ['alpha'] })).rejects.toThrow('Unknown model: alpha')
    const queued = await call<{ streamId: string }>('chat:send', { prompt: 'hi', modelIds: ['claude'] })
    await vi.waitFor(() => expect(t.columns.get(`${queued.streamId}/claude`)?.status).toBe('queued'), OUTCOME_WAIT)

    await call('settings:set-mode', 'local')
    await vi.waitFor(
      () => expect(connections.at(-1)).toMatchObject({ mode: 'local', status: 'connected' }),
      OUTCOME_WAIT,
    )
    const local = await call<{ streamId: string }>('chat:send', { prompt: 'hi', modelIds: ['alpha'] })
    expect((await t.finished(local.streamId, ['alpha'])).alpha!.text).toBe('local answer')
  })

  it('tells the user plainly when the cloud backend is older than the app, and not when it is current', async () => {
    const notices: Notice[] = []
    t.core.events.on('app:notice', (notice) => notices.push(notice))
    const older = 'Your cloud backend is older than this app: redeploy it (npm run cdktf:deploy) to get reasoning.'
    // A stack deployed before protocol negotiation: its config lists no protocols.
    await call('settings:set-cloud-config', JSON.stringify(CLOUD_CONFIG))
    expect(notices).toEqual([]) // still local mode: nothing to say yet
    await call('settings:set-mode', 'cloud')
    expect(notices).toEqual([{ level: 'warning', message: { key: 'cloud:backend-older', params: {} } }])
    expect(messageText(en, notices[0]!.message)).toBe(older)
    expect(noticeWords((await call<AppStatus>('app:get-status')).notices)).toContain(older)

    await call('settings:set-cloud-config', JSON.stringify({ ...CLOUD_CONFIG, protocols: [1, 2] }))
    expect(notices).toHaveLength(1)
    expect(noticeWords((await call<AppStatus>('app:get-status')).notices)).not.toContain(older)
  })

  it('signs in through IPC, starts cloud mode for that identity, and signs out to the gate again', async () => {
    cognito.on(InitiateAuthCommand).resolves({
      AuthenticationResult: {
        IdToken: fakeIdToken(Date.now() + 3_600_000),
        AccessToken: 'access',
        RefreshToken: 'refresh',
        ExpiresIn: 3600,
      },
    })
    cognito.on(RevokeTokenCommand).resolves({})
    identity.on(GetIdCommand).resolves({ IdentityId: IDENTITY_ID })
    identity.on(GetCredentialsForIdentityCommand).resolves({
      IdentityId: IDENTITY_ID,
      Credentials: {
        AccessKeyId: 'ASIAFAKE',
        SecretKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    })
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: new TextEncoder().encode(JSON.stringify({ attached: true, identityId: IDENTITY_ID })) as never,
    })
    await call('settings:set-cloud-config', JSON.stringify(CLOUD_CONFIG))
    await call('settings:set-mode', 'cloud')

    expect(await call('auth:sign-in', USER.email, 'a password')).toEqual({ kind: 'signed-in', email: USER.email })
    await vi.waitFor(
      () => expect(authStates.at(-1)).toEqual({ configured: true, signedIn: true, email: USER.email }),
      OUTCOME_WAIT,
    )
    // The IoT endpoint is unreachable here; what matters is that cloud mode started for this identity.
    await vi.waitFor(
      () =>
        expect(connections.at(-1)).toMatchObject({ mode: 'cloud', status: expect.stringMatching(/connecting|failed/) }),
      { timeout: 15_000 },
    )
    expect(identity.commandCalls(GetIdCommand)[0]!.args[0].input.Logins).toEqual({
      'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123': expect.any(String),
    })
    expect(await readFile(join(t.userDataDir, 'cloud-session.json'), 'utf8')).not.toContain('a password')

    await call('auth:sign-out')
    await vi.waitFor(
      () =>
        expect(connections.at(-1)).toMatchObject({
          mode: 'cloud',
          status: 'offline',
          detail: 'Sign in to use cloud mode.',
        }),
      { timeout: 20_000 },
    )
    expect(await call<AuthState>('auth:get-state')).toMatchObject({ signedIn: false })
  }, 60_000)

  it('keeps the credentials of a proxy URL away from the renderer', async () => {
    await expect(call('settings:set-proxy', 'http://[bad')).rejects.toThrow(/proxy address is not valid/)
    const view = await call<PublicSettings>('settings:set-proxy', 'http://alice:s3cret@proxy.corp:3128')
    expect(view.hasProxy).toBe(true)
    expect(JSON.stringify(view)).not.toContain('s3cret')
    expect((await call<PublicSettings>('settings:set-proxy', null)).hasProxy).toBe(false)
  })
})
