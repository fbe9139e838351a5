/** Shared fixtures for cloud-mode tests: a valid CloudConfig, Cognito-shaped tokens, a token store on disk. */
import { join } from 'node:path'
import type { CloudConfig } from '../../../src-main/protocol/cloud-config'
import { plainTextCodec } from '../../../src-main/core/settings/settings-store'
import { FileTokenStore } from '../../../src-main/core/cloud/token-store'
import { makeTempDir } from '../../support/temp-dir'
import type { AttachmentCatalog } from '../../../src-main/core/attachments/attachment-catalog'
import { ChatService, type ChatBackend } from '../../../src-main/core/chat/chat-service'
import { DiagnosticsRecorder } from '../../../src-main/core/diagnostics'
import type { StreamUpdate } from '../../../src-main/shared/ipc-contract'
import type { ManualClock } from '../../support/manual-clock'
import { memoryHistory } from '../../support/memory-history'

export const CLOUD_CONFIG: CloudConfig = {
  version: 1,
  region: 'us-east-1',
  userPoolId: 'us-east-1_AbC123',
  userPoolClientId: 'appclient123',
  identityPoolId: 'us-east-1:11111111-2222-3333-4444-555555555555',
  iotEndpoint: 'abc123-ats.iot.us-east-1.amazonaws.com',
  topicPrefix: 'streamdesk',
  chatFunctionName: 'streamdesk-chat',
  attachPolicyFunctionName: 'streamdesk-attach-policy',
  models: [
    { id: 'claude', label: 'Claude' },
    { id: 'gpt', label: 'GPT' },
  ],
}

export const LOGIN_PROVIDER = 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123'
export const IDENTITY_ID = 'us-east-1:0b8a1f2e-1111-2222-3333-444455556666'
export const USER = { email: 'ada@example.com', sub: '7d3e1c2a-aaaa-bbbb-cccc-000011112222' }

/** The secrets a test hands to the code; none may ever appear in a message or a log line. */
export const SECRETS = {
  password: 'Corr3ct-Horse-Battery!',
  newPassword: 'N3w-Staple-Secret?',
  code: '246810',
  refreshToken: 'refresh-token-Zq8xPq',
  accessToken: 'access-token-Lm4Rt2',
  secretKey: 'secret-key-Hh7Yy1',
  sessionToken: 'session-token-Kk2Vv9',
}

/** A Cognito-shaped ID token (unsigned: the app decodes, AWS verifies) expiring at `expiresAtMs`. */
export function fakeIdToken(expiresAtMs: number, claims: { sub?: string; email?: string } = USER): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'RS256', kid: 'test' })}.${part({ ...claims, exp: Math.floor(expiresAtMs / 1000), token_use: 'id' })}.c2lnbmF0dXJl`
}

export async function tempTokenStore(): Promise<FileTokenStore> {
  const dir = await makeTempDir('cloud')
  return new FileTokenStore(join(dir, 'cloud-session.json'), plainTextCodec)
}

/** An AWS SDK service error as the SDK throws it (the name is what the app reads). */
export function awsError(name: string, message = `${name} message`): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } })
}

/** Lets queued promise callbacks run. */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Fails when any known secret appears in the text. */
export function secretsIn(text: string): string[] {
  return Object.values(SECRETS).filter((secret) => text.includes(secret))
}

/**
 * Sends "What does the chart show?" with one attachment to two cloud columns (claude, gpt) through the real chat
 * service over `backend`, and returns the columns' error ends: how a failed upload reaches the user.
 */
export async function erroredColumnsOfAttachedPrompt(options: {
  backend: ChatBackend
  catalog: AttachmentCatalog
  clock: ManualClock
  attachmentId: string
}): Promise<StreamUpdate[]> {
  const { backend, catalog, clock } = options
  const history = await memoryHistory(clock)
  const batches: StreamUpdate[][] = []
  const chat = new ChatService({
    userId: IDENTITY_ID,
    topicPrefix: CLOUD_CONFIG.topicPrefix,
    backend,
    conversations: history.conversations,
    modelLabel: (id) => id,
    online: true,
    emitUpdates: (updates) => batches.push(updates),
    diagnostics: new DiagnosticsRecorder(),
    clock,
    attachments: {
      refs: (ids) => catalog.refs(ids),
      readerOf: (modelId) => ({ modelId, inputs: { images: true, documents: true }, maxImages: 20 }),
    },
  })
  await chat.send({
    prompt: 'What does the chart show?',
    modelIds: ['claude', 'gpt'],
    attachmentIds: [options.attachmentId],
  })
  clock.advance(100)
  return batches.flat().filter((update) => update.status === 'error')
}
