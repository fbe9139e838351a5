/**
 * Cloud mode's runtime for the app core: the signed-in user's identity-pool credentials, the app's one MQTT
 * session to AWS IoT Core over a SigV4 WebSocket (shared by every window; renewed before IoT Core's 24-hour limit),
 * the chat Lambda as the backend, and the fetch-stream Lambda to complete answers whose chunks were lost (when the
 * stack has one). The client id is `<identityId>-<deviceId>` (device-client-id.ts), both kept in the token store, so
 * each of a user's computers has its own persistent session, and after a restart the app resumes it and receives
 * the chunks queued meanwhile.
 * Like local mode, the session is returned unconnected: the core connects it (which attaches the IoT policy first
 * when needed) and subscribes.
 */
import { LambdaClient } from '@aws-sdk/client-lambda'
import { S3Client } from '@aws-sdk/client-s3'
import type { CloudConfig } from '../../protocol/cloud-config'
import { systemClock, type Clock } from '../../lib/clock'
import type { ModeRuntime, RuntimeContext } from '../mode-runtime'
import { MqttSession, type MqttSessionOptions } from '../mqtt/mqtt-session'
import { awsClientConfig, proxyAgent } from './aws-http-handler'
import { silentLog, type CloudLog } from './cloud-log'
import type { CognitoAuth } from './cognito-auth'
import { keepConnectionRenewed } from './connection-renewal'
import { IdentityCredentials } from './identity-credentials'
import { iotWebSocketConnectionConfig, type IotWebSocketOptions } from './iot-connection-config'
import { LambdaChatBackend } from './lambda-chat-backend'
import { AttachmentUploader } from './attachment-uploader'
import { PresignedPostUpload } from './presigned-post-upload'
import { PutObjectUpload } from './put-object-upload'
import type { UploadTransport } from './upload-transport'
import { LambdaStreamRecovery } from './lambda-stream-recovery'
import { fetchCloudUsage } from './cloud-usage'
import { connectWithIotPolicy, PolicyAttacher } from './policy-attacher'
import { deviceClientId } from './device-client-id'
import type { ProxyConfig } from '../../lib/http-proxy'
import type { TokenStore } from './token-store'

export interface CloudModeOptions {
  config: CloudConfig
  /** Signed in (or restored) already. */
  auth: CognitoAuth
  store: TokenStore
  proxy?: ProxyConfig | undefined
  /** For expiry checks and the renewal and refresh timers. */
  clock?: Clock
  log?: CloudLog
  /** Credentials could not be refreshed (offline, or the session ended: then `error` is an AuthError). */
  onCredentialsError?: (error: Error) => void
  /** Renew the IoT WebSocket this long after it connected (default 23 h). */
  renewAfterMs?: number
  /** A broker other than IoT Core's endpoint on 443 with public CAs: the tests' local TLS broker. */
  iot?: Pick<IotWebSocketOptions, 'endpoint' | 'port' | 'caFile' | 'keepAliveSec'>
}

/**
 * Client ids with a live runtime in this process: a second connection with the same client id would drop the first.
 * (Two devices of one user are two installations, each with its own token store and device id.)
 */
const liveClientIds = new Set<string>()

export async function startCloudMode(context: RuntimeContext, options: CloudModeOptions): Promise<ModeRuntime> {
  const { config, auth, store, proxy } = options
  if (context.topicPrefix !== config.topicPrefix) {
    throw new Error(
      `The app uses the topic prefix "${context.topicPrefix}" but the cloud backend "${config.topicPrefix}".`,
    )
  }
  const clock = options.clock ?? systemClock
  const log = options.log ?? silentLog
  const identity = new IdentityCredentials({ config, auth, store, proxy, clock, log })
  let identityId: string
  try {
    identityId = await identity.start()
  } catch (error) {
    identity.close()
    throw error
  }
  let clientId: string
  try {
    clientId = await deviceClientId(store, identityId)
  } catch (error) {
    identity.close()
    throw error
  }
  if (liveClientIds.has(clientId)) {
    identity.close()
    throw new Error('Cloud mode is already running for this account in this app.')
  }
  liveClientIds.add(clientId)
  if (options.onCredentialsError) identity.onError(options.onCredentialsError)
  const deviceId = clientId.slice(identityId.length + 1)
  const lambda = new LambdaClient({
    ...awsClientConfig({ region: config.region, proxy }),
    credentials: identity.provider,
  })
  const attacher = new PolicyAttacher({ lambda, functionName: config.attachPolicyFunctionName, store, log })
  const session = new IotCoreSession(
    {
      buildConfig: () =>
        iotWebSocketConnectionConfig({
          endpoint: config.iotEndpoint,
          region: config.region,
          clientId,
          credentials: () => identity.current(),
          proxy,
          ...options.iot,
        }),
    },
    (connect) => connectWithIotPolicy(connect, attacher, identityId),
  )
  const stopRenewing = keepConnectionRenewed(session, {
    clock,
    log,
    ...(options.renewAfterMs !== undefined ? { renewAfterMs: options.renewAfterMs } : {}),
  })
  const { readAttachment } = context
  const transport = uploadTransportFor(config, { lambda, credentials: identity.provider, proxy })
  const uploader =
    transport && readAttachment
      ? new AttachmentUploader({ transport, identityId, read: readAttachment, clock })
      : undefined
  const backend = new LambdaChatBackend({
    lambda,
    functionName: config.chatFunctionName,
    session,
    topicPrefix: config.topicPrefix,
    identityId,
    servedProtocols: config.protocols,
    uploader,
  })
  const recovery = config.fetchStreamFunctionName
    ? new LambdaStreamRecovery({
        lambda,
        functionName: config.fetchStreamFunctionName,
        store,
        identityId,
        clock,
        log,
        servedProtocols: config.protocols,
      })
    : undefined

  return {
    mode: 'cloud',
    userId: identityId,
    userLabel: auth.email ?? 'Signed in',
    deviceId,
    session,
    backend,
    ...(recovery ? { recovery } : {}),
    usage: () => fetchCloudUsage(lambda, config.chatFunctionName, log),
    async close() {
      stopRenewing()
      await recovery?.flushed()
      try {
        await session.close()
      } finally {
        identity.close()
        lambda.destroy()
        liveClientIds.delete(clientId)
      }
    },
  }
}

/**
 * Uploads through the stack's upload-presign Lambda (S3 enforces each upload's size); for a stack deployed before
 * it, PutObject with the user's credentials, which that stack still grants; none for a stack without a bucket.
 */
function uploadTransportFor(
  config: CloudConfig,
  network: { lambda: LambdaClient; credentials: IdentityCredentials['provider']; proxy?: ProxyConfig | undefined },
): UploadTransport | undefined {
  const { lambda, credentials, proxy } = network
  if (config.uploadPresignFunctionName) {
    const agent = proxy ? proxyAgent(proxy) : undefined
    return new PresignedPostUpload({ lambda, functionName: config.uploadPresignFunctionName, agent })
  }
  if (!config.uploadBucket) return undefined
  const s3 = new S3Client({ ...awsClientConfig({ region: config.region, proxy }), credentials })
  return new PutObjectUpload({ s3, bucket: config.uploadBucket })
}

/** The app's session to IoT Core: its first connect goes through the IoT policy check. */
class IotCoreSession extends MqttSession {
  constructor(
    options: MqttSessionOptions,
    private readonly connectGuarded: (connect: () => Promise<void>) => Promise<void>,
  ) {
    super(options)
  }

  override connect(): Promise<void> {
    return this.connectGuarded(() => super.connect())
  }
}
