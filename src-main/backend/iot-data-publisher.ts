/**
 * The chat Lambda's Publisher: AWS IoT Core's data plane over HTTPS (`iot:Publish`), QoS 1, so IoT Core keeps each
 * chunk for a persistent session that is briefly offline. It refuses any topic outside its prefix, so a bug
 * elsewhere cannot make the backend write where no StreamDesk client listens, and any payload a receiver would drop.
 */
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane'
import { MAX_PAYLOAD_BYTES } from '../protocol/stream-protocol'
import type { Publisher } from './publisher'

const utf8 = new TextEncoder()

export class IotDataPublisher implements Publisher {
  constructor(
    private readonly client: IoTDataPlaneClient,
    private readonly topicPrefix: string,
  ) {}

  async publish(topic: string, payload: string): Promise<void> {
    assertTopicUnderPrefix(topic, this.topicPrefix)
    const bytes = utf8.encode(payload)
    if (bytes.byteLength > MAX_PAYLOAD_BYTES) {
      throw new Error(`Refusing a ${bytes.byteLength}-byte payload: receivers accept at most ${MAX_PAYLOAD_BYTES}.`)
    }
    await this.client.send(new PublishCommand({ topic, qos: 1, payload: bytes }))
  }

  /** Deletes a retained message: IoT Core treats a retained publish with an empty payload as a delete. */
  async clearRetained(topic: string): Promise<void> {
    assertTopicUnderPrefix(topic, this.topicPrefix)
    await this.client.send(new PublishCommand({ topic, qos: 1, retain: true, payload: new Uint8Array(0) }))
  }
}

/** A client for the account's data endpoint, as the `aws_iot_endpoint` data source (iot:Data-ATS) gives it. */
export function createIotDataPlaneClient(endpointHost: string): IoTDataPlaneClient {
  const host = endpointHost.replace(/^https:\/\//, '').replace(/\/+$/, '')
  return new IoTDataPlaneClient({ endpoint: `https://${host}` })
}

/** A concrete topic (no wildcards, no empty levels) strictly below `<prefix>/`. */
export function assertTopicUnderPrefix(topic: string, prefix: string): void {
  const levels = topic.split('/')
  const valid =
    // NUL is matched on purpose: MQTT forbids it in topic names.
    // eslint-disable-next-line no-control-regex
    levels.length >= 2 && levels[0] === prefix && levels.every((level) => level !== '' && !/[+#\u0000]/.test(level))
  if (!valid) throw new Error(`Refusing to publish to "${topic.slice(0, 200)}": not a topic under "${prefix}/".`)
}
