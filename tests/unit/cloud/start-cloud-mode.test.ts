import { beforeEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider'
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde'
import { CognitoAuth } from '../../../src-main/core/cloud/cognito-auth'
import { startCloudMode } from '../../../src-main/core/cloud/start-cloud-mode'
import type { RuntimeContext } from '../../../src-main/core/mode-runtime'
import type { FileTokenStore } from '../../../src-main/core/cloud/token-store'
import { CLOUD_CONFIG, fakeIdToken, IDENTITY_ID, tempTokenStore, USER } from './cloud-fixtures'
import { tokenKeys } from '../../../src-main/core/cloud/token-store'

const cognitoIdp = mockClient(CognitoIdentityProviderClient)
const cognitoIdentity = mockClient(CognitoIdentityClient)
const lambda = mockClient(LambdaClient)
const s3 = mockClient(S3Client)

let store: FileTokenStore
let auth: CognitoAuth
const context: RuntimeContext = { topicPrefix: CLOUD_CONFIG.topicPrefix, models: { resolve: () => undefined } }

beforeEach(async () => {
  for (const mock of [cognitoIdp, cognitoIdentity, lambda, s3]) mock.reset()
  cognitoIdp.on(InitiateAuthCommand).resolves({
    AuthenticationResult: {
      IdToken: fakeIdToken(Date.now() + 3_600_000),
      AccessToken: 'a',
      RefreshToken: 'r',
      ExpiresIn: 3600,
    },
  })
  cognitoIdentity.on(GetIdCommand).resolves({ IdentityId: IDENTITY_ID })
  cognitoIdentity.on(GetCredentialsForIdentityCommand).resolves({
    IdentityId: IDENTITY_ID,
    Credentials: {
      AccessKeyId: 'ASIA1',
      SecretKey: 's',
      SessionToken: 't',
      Expiration: new Date(Date.now() + 3_600_000),
    },
  })
  store = await tempTokenStore()
  auth = new CognitoAuth({ config: CLOUD_CONFIG, store })
  await auth.signIn(USER.email, 'a password')
})

describe('startCloudMode', () => {
  it('gives the core an unconnected session for the identity, labelled with the email', async () => {
    const runtime = await startCloudMode(context, { config: CLOUD_CONFIG, auth, store })
    try {
      expect(runtime).toMatchObject({ mode: 'cloud', userId: IDENTITY_ID, userLabel: USER.email })
      expect(runtime.session.status).toBe('idle')
      expect(lambda.calls()).toHaveLength(0) // the policy is checked when the core connects
    } finally {
      await runtime.close()
    }
  })

  it("states the app's protocols to the chat Lambda only when the stack's config says it serves v2", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 })
    const request = {
      userId: IDENTITY_ID,
      streamId: 'stream-1',
      protocols: [1, 2],
      models: [{ modelId: 'claude', messages: [{ role: 'user' as const, content: 'Hi' }] }],
    }
    for (const config of [CLOUD_CONFIG, { ...CLOUD_CONFIG, protocols: [1, 2] }]) {
      const runtime = await startCloudMode(context, { config, auth, store })
      try {
        await runtime.backend.start(request)
      } finally {
        await runtime.close()
      }
    }
    const events = lambda
      .commandCalls(InvokeCommand)
      .map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)) as object)
    expect(events.map((event) => 'protocols' in event)).toEqual([false, true])
  })

  it("asks the stack's chat Lambda for the user's usage, with the user's own credentials", async () => {
    const usage = {
      dayTokens: 1,
      monthTokens: 2,
      limits: { dailyTokens: 200_000, monthlyTokens: 3_000_000, concurrentStreams: 2 },
      dayResetsAt: 86_400_000,
      monthResetsAt: 2_678_400_000,
    }
    lambda
      .on(InvokeCommand, { FunctionName: CLOUD_CONFIG.chatFunctionName, InvocationType: 'RequestResponse' })
      .resolves({ StatusCode: 200, Payload: Uint8ArrayBlobAdapter.fromString(JSON.stringify({ ok: true, usage })) })
    const runtime = await startCloudMode(context, { config: CLOUD_CONFIG, auth, store })
    try {
      expect(await runtime.usage?.()).toEqual({ ok: true, usage })
      const [call] = lambda.commandCalls(InvokeCommand)
      expect(await call!.thisValue.config.credentials()).toMatchObject({ accessKeyId: 'ASIA1' })
    } finally {
      await runtime.close()
    }
  })

  it('keeps one device id per installation and user, so each computer has a session of its own that survives restarts', async () => {
    const first = await startCloudMode(context, { config: CLOUD_CONFIG, auth, store })
    await first.close()
    const deviceId = await store.get(tokenKeys.deviceId(IDENTITY_ID))
    expect(deviceId).toMatch(/^[0-9a-f]{16}$/)
    const again = await startCloudMode(context, { config: CLOUD_CONFIG, auth, store })
    await again.close()
    expect(await store.get(tokenKeys.deviceId(IDENTITY_ID))).toBe(deviceId)
  })

  it('refuses a second runtime for the same identity until the first is closed', async () => {
    const first = await startCloudMode(context, { config: CLOUD_CONFIG, auth, store })
    await expect(startCloudMode(context, { config: CLOUD_CONFIG, auth, store })).rejects.toThrow(
      /already running for this account/,
    )
    await first.close()
    const again = await startCloudMode(context, { config: CLOUD_CONFIG, auth, store })
    await again.close()
  })

  it("refuses a topic prefix other than the backend's, before calling AWS", async () => {
    await expect(
      startCloudMode({ ...context, topicPrefix: 'other' }, { config: CLOUD_CONFIG, auth, store }),
    ).rejects.toThrow('The app uses the topic prefix "other" but the cloud backend "streamdesk".')
    expect(cognitoIdentity.calls()).toHaveLength(0)
  })

  it('fails plainly when the user is signed out', async () => {
    await auth.signOut().catch(() => undefined)
    await expect(startCloudMode(context, { config: CLOUD_CONFIG, auth, store })).rejects.toThrow(
      'You are not signed in.',
    )
  })

  it("uploads through the stack's presign function when its config names one, else (older stacks) with PutObject", async () => {
    const sha256 = 'a'.repeat(64)
    const withFile = {
      ...context,
      readAttachment: async () => ({ status: 'ok' as const, bytes: new Uint8Array([1, 2, 3]) }),
    }
    const prompt = {
      userId: IDENTITY_ID,
      streamId: 'stream-1',
      models: [
        {
          modelId: 'claude',
          messages: [
            {
              role: 'user' as const,
              content: 'Look',
              attachments: [{ id: sha256, name: 'a.png', kind: 'image' as const, mediaType: 'image/png' as const }],
            },
          ],
        },
      ],
    }
    lambda.on(InvokeCommand, { FunctionName: CLOUD_CONFIG.chatFunctionName }).resolves({ StatusCode: 202 })
    lambda.on(InvokeCommand, { FunctionName: 'streamdesk-upload-presign' }).resolves({
      StatusCode: 200,
      Payload: Uint8ArrayBlobAdapter.fromString(JSON.stringify({ ok: false, error: 'signing-failed', detail: '' })),
    })
    s3.on(PutObjectCommand).resolves({})

    const current = {
      ...CLOUD_CONFIG,
      uploadBucket: 'streamdesk-uploads-1',
      uploadPresignFunctionName: 'streamdesk-upload-presign',
    }
    let runtime = await startCloudMode(withFile, { config: current, auth, store })
    try {
      await expect(runtime.backend.start(prompt)).rejects.toThrow(
        'Could not upload "a.png" to the cloud: the cloud backend could not sign the upload.',
      )
      expect(lambda.commandCalls(InvokeCommand, { FunctionName: 'streamdesk-upload-presign' })).toHaveLength(1)
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0)
    } finally {
      await runtime.close()
    }

    const older = { ...CLOUD_CONFIG, uploadBucket: 'streamdesk-uploads-1' }
    runtime = await startCloudMode(withFile, { config: older, auth, store })
    try {
      await runtime.backend.start(prompt)
      expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key)).toEqual([
        `uploads/${IDENTITY_ID}/${sha256}`,
      ])
      expect(lambda.commandCalls(InvokeCommand, { FunctionName: 'streamdesk-upload-presign' })).toHaveLength(1)
    } finally {
      await runtime.close()
    }
  })
})
