import { afterEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane'
import { createIotDataPlaneClient, IotDataPublisher } from '../../../src-main/backend/iot-data-publisher'
import { MAX_PAYLOAD_BYTES } from '../../../src-main/protocol/stream-protocol'

const iotData = mockClient(IoTDataPlaneClient)
afterEach(() => iotData.reset())

const USER = 'us-east-1:0b8a1f2e-1111-2222-3333-444455556666'
const publisher = () => new IotDataPublisher(new IoTDataPlaneClient({ region: 'us-east-1' }), 'streamdesk')
const published = () => iotData.commandCalls(PublishCommand).map((call) => call.args[0].input)

describe('IoT data-plane publisher', () => {
  it('publishes the payload as UTF-8 bytes with QoS 1, not retained', async () => {
    iotData.on(PublishCommand).resolves({})
    await publisher().publish(`streamdesk/${USER}/stream-1`, '{"text":"héllo"}')
    expect(published()).toEqual([
      { topic: `streamdesk/${USER}/stream-1`, qos: 1, payload: new TextEncoder().encode('{"text":"héllo"}') },
    ])
  })

  it.each([
    ['another prefix', `other/${USER}/stream-1`],
    ['the bare prefix', 'streamdesk'],
    ['a prefix that only starts the same', `streamdesk-evil/${USER}/s`],
    ['a wildcard', 'streamdesk/+/stream-1'],
    ['a multi-level wildcard', 'streamdesk/#'],
    ['an empty level', 'streamdesk//stream-1'],
  ])('refuses %s without calling IoT Core', async (_name, topic) => {
    await expect(publisher().publish(topic, '{}')).rejects.toThrow(/not a topic under "streamdesk\/"/)
    expect(published()).toEqual([])
  })

  it('refuses a payload larger than receivers accept, counting bytes rather than characters', async () => {
    const justFits = 'x'.repeat(MAX_PAYLOAD_BYTES)
    const tooBig = 'é'.repeat(MAX_PAYLOAD_BYTES / 2 + 1) // 2 bytes each
    iotData.on(PublishCommand).resolves({})
    await publisher().publish(`streamdesk/${USER}/s`, justFits)
    await expect(publisher().publish(`streamdesk/${USER}/s`, tooBig)).rejects.toThrow(/payload/)
    expect(published()).toHaveLength(1)
  })

  it('passes IoT Core errors on, for the chunk sequencer to retry', async () => {
    iotData.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
    await expect(publisher().publish(`streamdesk/${USER}/s`, '{}')).rejects.toThrow('Rate exceeded')
  })

  it('clears a retained message with an empty retained publish', async () => {
    iotData.on(PublishCommand).resolves({})
    await publisher().clearRetained(`streamdesk/${USER}/control/s`)
    expect(published()).toEqual([
      { topic: `streamdesk/${USER}/control/s`, qos: 1, retain: true, payload: new Uint8Array(0) },
    ])
  })

  it('builds a client for the account endpoint host, with or without a scheme', async () => {
    for (const host of ['abc123-ats.iot.us-east-1.amazonaws.com', 'https://abc123-ats.iot.us-east-1.amazonaws.com/']) {
      const client = createIotDataPlaneClient(host)
      const endpoint = await client.config.endpoint!()
      expect(`${endpoint.protocol}//${endpoint.hostname}`).toBe('https://abc123-ats.iot.us-east-1.amazonaws.com')
    }
  })
})
