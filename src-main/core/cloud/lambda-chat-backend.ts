/**
 * Cloud mode's backend: each prompt is one asynchronous invocation of the chat Lambda (`InvocationType: 'Event'`,
 * signed with the user's own credentials), which streams the answers to the user's topic on IoT Core. The event
 * carries no user id: the Lambda takes the caller's identity from its context.
 *
 * Protocol versions: the request's `protocols` goes to the Lambda only when the stack's config says it serves more
 * than v1. A stack deployed before negotiation existed refuses that field (its request schema is strict), and as
 * the invocation is asynchronous the app would only see a timeout; without the field it answers in v1. The same
 * holds for each model's generation `parameters` (they came with v2): an older stack gets the prompt without them,
 * and the app's "older backend" notice tells the user why its settings are not applied.
 *
 * Attachments: each is uploaded to the user's own prefix of the stack's uploads bucket first (attachment-uploader.ts)
 * and the event carries its key; a failed upload fails the prompt before anything is invoked.
 *
 * Stop: the Lambda cannot subscribe to MQTT, so the app publishes a RETAINED QoS 1 stop request to the stream's
 * control topic, which the Lambda polls. A new retained message replaces the old one, so each lists every model
 * stopped so far, or says "all".
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda'
import { mqtt } from 'aws-iot-device-sdk-v2'
import type { ChatRequest } from '../../backend/chat-handler'
import {
  acceptsProtocolList,
  encodeStopRequest,
  servedProtocols,
  stopControlTopic,
  type StopRequest,
} from '../../protocol/cloud-config'
import type { ChatBackend } from '../chat/chat-service'
import type { MqttSession } from '../mqtt/mqtt-session'
import { describeInvokeError } from './lambda-errors'
import type { AttachmentUploader } from './attachment-uploader'

/** The chat Lambda's event. */
export interface ChatEvent {
  streamId: string
  /** The protocol versions the app reads; sent only to stacks that serve more than v1. */
  protocols?: number[]
  /** The user's models streaming at once, this request's included (the invocation's publish budget share). */
  concurrentModels?: number
  /** The asking device and conversation: the Lambda announces the prompt to the user's other devices. */
  origin?: ChatRequest['origin']
  models: Array<Pick<ChatRequest['models'][number], 'modelId' | 'messages' | 'parameters'>>
}

export interface LambdaChatBackendOptions {
  lambda: LambdaClient
  functionName: string
  /** The app's session, for the retained stop requests. */
  session: Pick<MqttSession, 'publish'>
  topicPrefix: string
  identityId: string
  /** The protocol versions the stack serves (its config's `protocols`; absent for a stack older than them). */
  servedProtocols?: readonly number[] | undefined
  /** Puts a prompt's attachments in the stack's uploads bucket first; absent for a stack without one. */
  uploader?: AttachmentUploader | undefined
}

/** A prompt with attachments to a stack deployed before the uploads bucket existed. */
export const NO_UPLOADS_BUCKET =
  'This cloud backend takes no attachments yet: deploy the stack again (npm run cdktf:deploy) and load its new outputs.'

/** Stop requests are remembered for this many recent streams (a stream's stops accumulate). */
const REMEMBERED_STREAMS = 100
/** Lambda's answer to an accepted asynchronous invocation. */
const ACCEPTED = 202

export class LambdaChatBackend implements ChatBackend {
  private readonly stopped = new Map<string, StopRequest['stop']>()

  constructor(private readonly options: LambdaChatBackendOptions) {}

  async start(request: ChatRequest): Promise<void> {
    // Uploaded before the invocation, so the Lambda finds every key the event names.
    request = await this.withUploads(request)
    const { lambda, functionName } = this.options
    const { servedProtocols: served } = this.options
    // Parameters came with v2: only a stack that lists it reads them.
    const servesV2 = servedProtocols(served).includes(2)
    const event: ChatEvent = {
      streamId: request.streamId,
      ...(request.protocols && acceptsProtocolList(served) ? { protocols: request.protocols } : {}),
      // A stack that lists v2 tolerates keys it does not know; an older one's strict schema would refuse this one.
      ...(request.concurrentModels !== undefined && acceptsProtocolList(served)
        ? { concurrentModels: request.concurrentModels }
        : {}),
      ...(request.origin && acceptsProtocolList(served) ? { origin: request.origin } : {}),
      models: request.models.map(({ modelId, messages, parameters }) => ({
        modelId,
        messages,
        ...(parameters && servesV2 ? { parameters } : {}),
      })),
    }
    const payload = new TextEncoder().encode(JSON.stringify(event))
    let statusCode: number | undefined
    try {
      const result = await lambda.send(
        new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: payload }),
      )
      statusCode = result.StatusCode
    } catch (error) {
      throw new Error(describeInvokeError(error, functionName), { cause: error })
    }
    if (statusCode !== ACCEPTED)
      throw new Error(`AWS Lambda did not queue the prompt (status ${String(statusCode)}). Try again.`)
  }

  private async withUploads(request: ChatRequest): Promise<ChatRequest> {
    const { uploader } = this.options
    if (uploader) return uploader.withKeys(request)
    const attached = request.models.some((m) => m.messages.some((message) => (message.attachments?.length ?? 0) > 0))
    if (attached) throw new Error(NO_UPLOADS_BUCKET)
    return request
  }

  async stop(streamId: string, modelId?: string): Promise<void> {
    const { session, topicPrefix, identityId } = this.options
    const before = this.stopped.get(streamId)
    const stop: StopRequest['stop'] =
      modelId === undefined || before === 'all' ? 'all' : [...new Set([...(before ?? []), modelId])]
    this.remember(streamId, stop)
    await session.publish(
      stopControlTopic(topicPrefix, identityId, streamId),
      encodeStopRequest({ stop }),
      mqtt.QoS.AtLeastOnce,
      true,
    )
  }

  private remember(streamId: string, stop: StopRequest['stop']): void {
    this.stopped.delete(streamId)
    this.stopped.set(streamId, stop)
    if (this.stopped.size > REMEMBERED_STREAMS) this.stopped.delete(this.stopped.keys().next().value as string)
  }
}
