/** The stack's `streamdesk_cloud_config` output as the app reads it (src-main/protocol/cloud-config.ts). */
import { describe, expect, it } from 'vitest'
import {
  acceptsProtocolList,
  decodeStopRequest,
  encodeStopRequest,
  parseCloudConfig,
  protocolNotice,
  servedProtocols,
  stopControlTopic,
  type CloudConfig,
} from '../../../src-main/protocol/cloud-config'
import { CloudConfigSchema as BeforePricesCloudConfigSchema } from '../../fixtures/cloud-config-before-prices/cloud-config'

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
    // The config crosses a deploy boundary: a newer stack's extra keys are dropped, not refused (protocol policy).
    ['an unknown key from a newer stack', { ...CONFIG, apiKey: 'x' }],
    ['an unknown key in a model entry', { ...CONFIG, models: [{ ...CONFIG.models[0], contextWindow: 200_000 }] }],
  ])('accepts %s', (_name, input) => {
    expect(parseCloudConfig(input)).toEqual({ ok: true, config: CONFIG })
  })

  it('drops prototype keys instead of passing them on', () => {
    const hostile = JSON.parse(
      JSON.stringify(CONFIG).replace('{', '{"__proto__":{"polluted":true},"constructor":{"x":1},'),
    ) as unknown
    const result = parseCloudConfig(hostile)
    expect(result).toEqual({ ok: true, config: CONFIG })
    if (!result.ok) return
    expect(Object.getPrototypeOf(result.config)).toBe(Object.prototype)
    expect(Object.hasOwn(result.config, 'constructor')).toBe(false)
    expect((result.config as { polluted?: unknown }).polluted).toBeUndefined()
  })

  it('reads the protocol versions the stack serves, and what to tell the user about an older stack', () => {
    const served = { ...CONFIG, protocols: [1, 2] }
    expect(parseCloudConfig(served)).toEqual({ ok: true, config: served })
    expect(servedProtocols(undefined)).toEqual([1])
    expect(acceptsProtocolList(undefined)).toBe(false)
    expect(acceptsProtocolList([1])).toBe(false)
    expect(acceptsProtocolList([1, 2])).toBe(true)
    expect(protocolNotice([1, 2])).toBeUndefined()
    expect(protocolNotice([1, 2, 3])).toBeUndefined()
    expect(protocolNotice(undefined)).toBe(
      'Your cloud backend is older than this app: redeploy it (npm run cdktf:deploy) to get reasoning.',
    )
    // Only versions this app does not know yet (it reads 1 to 3).
    expect(protocolNotice([4])).toMatch(/This app is older than your cloud backend/)
    for (const protocols of [[], [0], ['2'], [1.5]]) {
      expect(parseCloudConfig({ ...CONFIG, protocols })).toMatchObject({ ok: false })
    }
  })

  it.each([
    ['empty text', '', /empty/],
    ['text that is not JSON', 'userPoolId = us-east-1_abc', /not JSON/],
    ['an array', '[]', /expected a JSON object/],
    [
      'an endpoint with a scheme',
      { ...CONFIG, iotEndpoint: 'https://a1b2-ats.iot.us-east-1.amazonaws.com' },
      /iotEndpoint should be a host name .*no https/,
    ],
    ['a missing client id', { ...CONFIG, userPoolClientId: undefined }, /- userPoolClientId is missing$/m],
    [
      'a future version',
      { ...CONFIG, version: 2 },
      /- it is version 2; this app reads version 1 \(update the app, or use the output of a stack of the same release\)$/m,
    ],
    ['a number for a name', { ...CONFIG, chatFunctionName: 42 }, /- chatFunctionName should be a string, not 42$/m],
    [
      'some other JSON altogether',
      { name: 'my-app', dependencies: {} },
      /^This is not a StreamDesk cloud configuration .*:\n- it has none of the fields a configuration holds \(version, region, userPoolId, .*\)$/,
    ],
    ['duplicate model ids', { ...CONFIG, models: [CONFIG.models[0], CONFIG.models[0]] }, /unique/],
  ])('refuses %s with a message saying what is wrong', (_name, input, detail) => {
    const result = parseCloudConfig(input)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.message).toMatch(/^This is not a StreamDesk cloud configuration/)
    expect(result.message).toMatch(detail)
    // Plain words: no schema vocabulary.
    expect(result.message).not.toMatch(/Invalid input|expected \d|received undefined/)
  })
})

describe("the models' reasoning flag and price, across the deploy boundary", () => {
  const NEW_OUTPUT = {
    ...CONFIG,
    protocols: [1, 2],
    models: [
      {
        id: 'claude-haiku',
        label: 'Claude 3.5 Haiku',
        reasoning: false,
        price: { inputPerMillion: 0.8, outputPerMillion: 4 },
      },
      {
        id: 'claude-sonnet',
        label: 'Claude Sonnet 4',
        reasoning: true,
        price: { inputPerMillion: 3, outputPerMillion: 15 },
      },
    ],
  }

  it("a new app reads a new stack's output with both", () => {
    expect(parseCloudConfig(JSON.stringify(NEW_OUTPUT))).toEqual({ ok: true, config: NEW_OUTPUT })
  })

  it("a new app reads an old stack's output without them: nothing known, nothing invented", () => {
    const result = parseCloudConfig(CONFIG)
    expect(result.ok && result.config.models).toEqual([{ id: 'claude-haiku', label: 'Claude 3.5 Haiku' }])
    expect(result.ok && Object.keys(result.config.models[0]!)).toEqual(['id', 'label'])
  })

  it("an older app (since negotiation, frozen copy) reads a new stack's output, dropping both", () => {
    const parsed = BeforePricesCloudConfigSchema.safeParse(NEW_OUTPUT)
    expect(parsed.success).toBe(true)
    expect(parsed.data?.models).toEqual([
      { id: 'claude-haiku', label: 'Claude 3.5 Haiku' },
      { id: 'claude-sonnet', label: 'Claude Sonnet 4' },
    ])
  })

  it.each([
    ['a price out of range', { price: { inputPerMillion: -1, outputPerMillion: 4 } }],
    ['a price in another shape', { price: '3 USD' }],
    ['a price missing a figure', { price: { inputPerMillion: 3 } }],
    ['a reasoning flag that is not a boolean', { reasoning: 'high' }],
  ])('drops %s on its own, keeping the model and the config', (_name, extra) => {
    const result = parseCloudConfig({ ...CONFIG, models: [{ ...CONFIG.models[0], ...extra }] })
    expect(result.ok && result.config.models).toEqual([{ id: 'claude-haiku', label: 'Claude 3.5 Haiku' }])
  })

  it('keeps a valid price while dropping keys inside it that a newer stack added', () => {
    const price = { inputPerMillion: 3, outputPerMillion: 15, cacheReadPerMillion: 0.3 }
    const result = parseCloudConfig({ ...CONFIG, models: [{ ...CONFIG.models[0], price }] })
    expect(result.ok && result.config.models[0]!.price).toEqual({ inputPerMillion: 3, outputPerMillion: 15 })
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

  it('tolerates keys it does not know (a newer app), dropping them and prototype keys', () => {
    const bytes = (text: string) => new TextEncoder().encode(text)
    const decoded = decodeStopRequest(bytes('{"stop":["claude"],"reason":"regenerate","__proto__":{"x":1}}'))
    expect(decoded).toEqual({ stop: ['claude'] })
    expect(Object.keys(decoded!)).toEqual(['stop'])
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
  })
})
