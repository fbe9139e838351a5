/** The stack's `streamdesk_cloud_config` output as the app reads it (src-main/protocol/cloud-config.ts). */
import { describe, expect, it } from 'vitest'
import {
  decodeStopRequest,
  encodeStopRequest,
  parseCloudConfig,
  stopControlTopic,
  type CloudConfig,
} from '../../../src-main/protocol/cloud-config'

const CONFIG: CloudConfig = {
  version: 1,
  region: 'us-east-1',
  userPoolId: 'us-east-1_AbC123xyz',
  userPoolClientId: '4f1n2k3l4m5n6o7p8q9r0s1t2u',
  identityPoolId: 'us-east-1:12345678-aaaa-bbbb-cccc-1234567890ab',
  iotEndpoint: 'a1b2c3d4e5f6g7-ats.iot.us-east-1.amazonaws.com',
  topicPrefix: 'streamdesk',
  chatFunctionName: 'streamdesk-chat',
  attachPolicyFunctionName: 'streamdesk-attach-policy',
  models: [{ id: 'claude-haiku', label: 'Claude 3.5 Haiku' }],
}

describe('parseCloudConfig', () => {
  it.each([
    ['the object', CONFIG],
    ['its JSON (terraform output -json streamdesk_cloud_config)', JSON.stringify(CONFIG, null, 2)],
    [
      'the whole `terraform output -json` map',
      JSON.stringify({
        streamdesk_cloud_config: { sensitive: false, type: ['object', {}], value: CONFIG },
        region: { value: 'us-east-1' },
      }),
    ],
    ['JSON pasted with surrounding whitespace', `\n  ${JSON.stringify(CONFIG)}  \n`],
  ])('accepts %s', (_name, input) => {
    expect(parseCloudConfig(input)).toEqual({ ok: true, config: CONFIG })
  })

  it.each([
    ['empty text', '', /empty/],
    ['text that is not JSON', 'userPoolId = us-east-1_abc', /not JSON/],
    ['an array', '[]', /expected a JSON object/],
    [
      'an endpoint with a scheme',
      { ...CONFIG, iotEndpoint: 'https://a1b2-ats.iot.us-east-1.amazonaws.com' },
      /iotEndpoint: .*no https/,
    ],
    ['a missing client id', { ...CONFIG, userPoolClientId: undefined }, /userPoolClientId/],
    ['a future version', { ...CONFIG, version: 2 }, /version/],
    ['an unknown key', { ...CONFIG, apiKey: 'x' }, /apiKey/],
    ['duplicate model ids', { ...CONFIG, models: [CONFIG.models[0], CONFIG.models[0]] }, /unique/],
  ])('refuses %s with a message saying what is wrong', (_name, input, detail) => {
    const result = parseCloudConfig(input)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).toMatch(/^This is not a StreamDesk cloud configuration/)
    expect(result.message).toMatch(detail)
  })
})

describe('stop requests', () => {
  it('live on a four-level control topic, outside the stream filter <prefix>/<userId>/+', () => {
    expect(stopControlTopic('streamdesk', 'us-east-1:abc', 's1')).toBe('streamdesk/us-east-1:abc/control/s1')
  })

  it('round-trip, and anything else (empty, invalid, oversized) reads as no request', () => {
    const bytes = (text: string) => new TextEncoder().encode(text)
    expect(decodeStopRequest(bytes(encodeStopRequest({ stop: ['claude', 'gpt'] })))).toEqual({
      stop: ['claude', 'gpt'],
    })
    expect(decodeStopRequest(bytes('{"stop":"all"}'))).toEqual({ stop: 'all' })
    for (const payload of [
      undefined,
      bytes(''),
      bytes('{"stop":[]}'),
      bytes('{"stop":["a/b"]}'),
      bytes('stop'),
      bytes(`{"stop":["${'a'.repeat(5000)}"]}`),
    ]) {
      expect(decodeStopRequest(payload)).toBeUndefined()
    }
  })
})
