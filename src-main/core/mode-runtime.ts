import type { AppMode, CloudUsageResult } from '../shared/ipc-contract'
import type { AttachmentSource } from '../backend/attachment-parts'
import type { StoredBytes } from './attachments/attachment-store'
import type { ModelResolver } from '../backend/model-provider'
import type { ChatBackend } from './chat/chat-service'
import type { StreamRecovery } from './chat/stream-recovery'
import type { MqttSession } from './mqtt/mqtt-session'

/**
 * What a mode (local now, cloud later) gives the app: whose streams these are, the app's MQTT session (not yet
 * connected), and the backend that answers prompts.
 */
export interface ModeRuntime {
  mode: AppMode
  userId: string
  userLabel: string
  /** This installation's device id for the user (cloud mode): the user's other devices' prompts stream here too. */
  deviceId?: string
  session: MqttSession
  backend: ChatBackend
  /** Completes answers whose chunks were lost from the backend's stored copy (cloud mode only). */
  recovery?: StreamRecovery
  /** The user's token usage and limits, from the cloud backend's spend guard (cloud mode only). */
  usage?: () => Promise<CloudUsageResult>
  close(): Promise<void>
}

/** What the core hands a mode when starting it. */
export interface RuntimeContext {
  topicPrefix: string
  models: ModelResolver
  /** Where the in-process backend resolves attachment references (local mode's store). */
  attachments?: AttachmentSource
  /** The prepared bytes of a stored attachment (cloud mode uploads them before each prompt). */
  readAttachment?: (id: string) => Promise<StoredBytes>
  onBackendFailure?: (streamId: string, error: unknown) => void
  /** A connection the local broker's guard closed (flooding, not MQTT, too slow), with why: counted, never fatal. */
  onBrokerRefusal?: (reason: string) => void
}

export type StartRuntime = (context: RuntimeContext) => Promise<ModeRuntime>
