/** The stack's `streamdesk_cloud_config` output as the app reads it (src-main/protocol/cloud-config.ts). */
import { describe, expect, it } from 'vitest'
import {
  acceptsProtocolList,
  decodeStopRequest,
  encodeStopRequest,
  MAX_STOP_REQUEST_BYTES,
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

/** The message's lines after its heading, one per problem. */
function problems(input: unknown): string[] {
  const result = parseCloudConfig(input)
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(input)}`)
  return result.message.split('\n').slice(1)
}

describe('the protocol notice at its edges', () => {
  it('says nothing for a stack serving only the newest version, and names the side that is older', () => {
    expect(protocolNotice([3])).toBeUndefined()
    expect(protocolNotice([2])).toBeUndefined()
    // v1 and a version this app does not know yet: the app is the older side.
    expect(protocolNotice([1, 4])).toMatch(/^This app is older than your cloud backend/)
    expect(protocolNotice([1])).toMatch(/^Your cloud backend is older than this app/)
  })
})

describe('the shape of each field, at its edges', () => {
  const region = (value: string) => ({ ...CONFIG, region: value })
  const poolAt = (prefix: string) => ({
    ...CONFIG,
    userPoolId: `${prefix}_AbC123`,
    identityPoolId: `${prefix}:12345678-aaaa-bbbb-cccc-1234567890ab`,
  })

  it.each([
    ['us-east-1', region('us-east-1')],
    ['a region of three parts and two digits', region('us-gov-west-12')],
    ['pool ids in such a region', poolAt('us-gov-west-12')],
    ['a one-character client id', { ...CONFIG, userPoolClientId: 'a' }],
    ['a 128-character client id', { ...CONFIG, userPoolClientId: 'A1'.repeat(64) }],
    ['a two-label host name', { ...CONFIG, iotEndpoint: 'iot.example' }],
    ['one-character and 64-character names', { ...CONFIG, topicPrefix: 'p', chatFunctionName: 'A_-9'.repeat(16) }],
    ['the optional fetch-stream function', { ...CONFIG, fetchStreamFunctionName: 'streamdesk-fetch_stream' }],
    ['a 100-character label', { ...CONFIG, models: [{ id: 'm', label: 'l'.repeat(100) }] }],
    ['50 models', { ...CONFIG, models: Array.from({ length: 50 }, (_, i) => ({ id: `m${i}`, label: `M ${i}` })) }],
    [
      'prices at both limits',
      { ...CONFIG, models: [{ id: 'm', label: 'M', price: { inputPerMillion: 0, outputPerMillion: 1000 } }] },
    ],
  ])('accepts %s', (_name, input) => {
    expect(parseCloudConfig(input)).toEqual({ ok: true, config: input })
  })

  const REGION = 'region should be an AWS region such as us-east-1'
  const FUNCTION = 'chatFunctionName should be a Lambda function name'
  const PREFIX = 'topicPrefix should be 1-64 characters of A-Z a-z 0-9 _ -'
  it.each([
    ['a region without its number', region('us-east'), REGION],
    ['a region with a three-digit number', region('us-east-123'), REGION],
    ['a region in capitals', region('US-EAST-1'), REGION],
    ['a region with a three-letter first part', region('use-east-1'), REGION],
    ['a region with one part before the number', region('us-1'), REGION],
    ['a region with something before it', region('xus-east-1'.replace('x', ' ')), REGION],
    ['a region with something after it', region('us-east-1a'), REGION],
    ['a region with a digit in a middle part', region('us-ea5t-1'), REGION],
    ['a region that is only the number', region('-1'), REGION],
    [
      'a user pool id of another region shape',
      { ...CONFIG, userPoolId: 'us1-east-1_AbC' },
      'userPoolId should be a user pool id such as us-east-1_AbC123',
    ],
    ['a user pool id without its id', { ...CONFIG, userPoolId: 'us-east-1_' }, 'userPoolId should be'],
    ['a user pool id without the underscore', { ...CONFIG, userPoolId: 'us-east-1AbC' }, 'userPoolId should be'],
    ['a user pool id with a dash in its id', { ...CONFIG, userPoolId: 'us-east-1_Ab-C' }, 'userPoolId should be'],
    ['a user pool id with a prefix', { ...CONFIG, userPoolId: 'xus-east-1_AbC' }, 'userPoolId should be'],
    ['a user pool id of a 3-digit region', { ...CONFIG, userPoolId: 'us-east-123_AbC' }, 'userPoolId should be'],
    ['a user pool id with a one-part region', { ...CONFIG, userPoolId: 'us-1_AbC' }, 'userPoolId should be'],
    ['an empty client id', { ...CONFIG, userPoolClientId: '' }, 'userPoolClientId should be an app client id'],
    ['a 129-character client id', { ...CONFIG, userPoolClientId: 'a'.repeat(129) }, 'userPoolClientId should be'],
    ['a client id with a dash', { ...CONFIG, userPoolClientId: 'abc-def' }, 'userPoolClientId should be'],
    ['a client id with a space before it', { ...CONFIG, userPoolClientId: ' abc' }, 'userPoolClientId should be'],
    ['a client id with a space after it', { ...CONFIG, userPoolClientId: 'abc ' }, 'userPoolClientId should be'],
    [
      'an identity pool id with a 35-character id',
      { ...CONFIG, identityPoolId: 'us-east-1:2345678-aaaa-bbbb-cccc-1234567890ab' },
      'identityPoolId should be an identity pool id such as us-east-1:1a2b…',
    ],
    [
      'an identity pool id with a 37-character id',
      { ...CONFIG, identityPoolId: 'us-east-1:12345678-aaaa-bbbb-cccc-1234567890abc' },
      'identityPoolId should be',
    ],
    [
      'an identity pool id in capitals',
      { ...CONFIG, identityPoolId: 'us-east-1:12345678-AAAA-bbbb-cccc-1234567890ab' },
      'identityPoolId should be',
    ],
    [
      'an identity pool id with a prefix',
      { ...CONFIG, identityPoolId: 'xus-east-1:12345678-aaaa-bbbb-cccc-1234567890ab' },
      'identityPoolId should be',
    ],
    [
      'an identity pool id of a 3-digit region',
      { ...CONFIG, identityPoolId: 'us-east-123:12345678-aaaa-bbbb-cccc-1234567890ab' },
      'identityPoolId should be',
    ],
    [
      'an identity pool id with a one-part region',
      { ...CONFIG, identityPoolId: 'us-1:12345678-aaaa-bbbb-cccc-1234567890ab' },
      'identityPoolId should be',
    ],
    ['a host name of one label', { ...CONFIG, iotEndpoint: 'localhost' }, 'iotEndpoint should be a host name'],
    ['a host name in capitals', { ...CONFIG, iotEndpoint: 'IOT.example' }, 'iotEndpoint should be'],
    ['a host name with an empty label', { ...CONFIG, iotEndpoint: 'iot..example' }, 'iotEndpoint should be'],
    ['a host name ending in a dot', { ...CONFIG, iotEndpoint: 'iot.example.' }, 'iotEndpoint should be'],
    ['a host name with a port', { ...CONFIG, iotEndpoint: 'iot.example:443' }, 'iotEndpoint should be'],
    ['a host name with a path', { ...CONFIG, iotEndpoint: '/iot.example' }, 'iotEndpoint should be'],
    ['an empty topic prefix', { ...CONFIG, topicPrefix: '' }, PREFIX],
    ['a 65-character topic prefix', { ...CONFIG, topicPrefix: 'p'.repeat(65) }, PREFIX],
    ['a topic prefix of two levels', { ...CONFIG, topicPrefix: 'a/b' }, PREFIX],
    ['a wildcard topic prefix', { ...CONFIG, topicPrefix: '+' }, PREFIX],
    ['a topic prefix with a space before it', { ...CONFIG, topicPrefix: ' a' }, PREFIX],
    ['a topic prefix with a space after it', { ...CONFIG, topicPrefix: 'a ' }, PREFIX],
    ['an empty function name', { ...CONFIG, chatFunctionName: '' }, FUNCTION],
    ['a 65-character function name', { ...CONFIG, chatFunctionName: 'f'.repeat(65) }, FUNCTION],
    ['a function ARN', { ...CONFIG, chatFunctionName: 'arn:aws:lambda:us-east-1:1:function:f' }, FUNCTION],
    ['a function name with a space before it', { ...CONFIG, chatFunctionName: ' f' }, FUNCTION],
    ['a function name with a space after it', { ...CONFIG, chatFunctionName: 'f ' }, FUNCTION],
    [
      'a fetch-stream function name of the wrong shape',
      { ...CONFIG, fetchStreamFunctionName: 'a b' },
      'fetchStreamFunctionName should be a Lambda function name',
    ],
    ['no models', { ...CONFIG, models: [] }, 'models: expected array to have >=1 items'],
    [
      '51 models',
      { ...CONFIG, models: Array.from({ length: 51 }, (_, i) => ({ id: `m${i}`, label: `M ${i}` })) },
      'models: expected array to have <=50 items',
    ],
    ['an empty label', { ...CONFIG, models: [{ id: 'm', label: '' }] }, 'models.0.label: expected string to have >=1'],
    [
      'a 101-character label',
      { ...CONFIG, models: [{ id: 'm', label: 'l'.repeat(101) }] },
      'models.0.label: expected string to have <=100',
    ],
    [
      'a model id of the wrong shape',
      { ...CONFIG, models: [{ id: 'a/b', label: 'M' }] },
      'models.0.id should be ids are 1-128 characters',
    ],
    ['a models object', { ...CONFIG, models: {} }, 'models should be an array, not an object'],
    ['a numeric region', { ...CONFIG, region: 1 }, 'region should be a string, not 1'],
    ['a version as text', { ...CONFIG, version: '1' }, 'it is version "1"; this app reads version 1'],
  ])('refuses %s, saying so', (_name, input, line) => {
    const lines = problems(input)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`- ${line}`)
  })

  it('drops a price beyond either limit on its own', () => {
    for (const price of [
      { inputPerMillion: -0.01, outputPerMillion: 1 },
      { inputPerMillion: 1, outputPerMillion: 1000.01 },
    ]) {
      const result = parseCloudConfig({ ...CONFIG, models: [{ id: 'm', label: 'M', price }] })
      expect(result.ok && result.config.models).toEqual([{ id: 'm', label: 'M' }])
    }
  })
})

describe('the message', () => {
  const without = (...keys: string[]) =>
    Object.fromEntries(Object.entries(CONFIG).filter(([key]) => !keys.includes(key))) as Record<string, unknown>

  it('lists up to four missing fields one by one, and five or more as one line', () => {
    expect(problems(without('region', 'userPoolId', 'userPoolClientId', 'identityPoolId'))).toEqual([
      '- region is missing',
      '- userPoolId is missing',
      '- userPoolClientId is missing',
      '- identityPoolId is missing',
    ])
    expect(problems(without('region', 'userPoolId', 'userPoolClientId', 'identityPoolId', 'iotEndpoint'))).toEqual([
      '- it has none of the fields a configuration holds (region, userPoolId, userPoolClientId, identityPoolId, iotEndpoint)',
    ])
  })

  it('does not count a missing field inside a model, nor a field of the wrong type, as missing', () => {
    const fields = { region: 1, userPoolId: 2, userPoolClientId: 3, identityPoolId: 4 }
    expect(problems({ ...CONFIG, ...fields, models: [{ label: 'M' }] })).toEqual([
      '- region should be a string, not 1',
      '- userPoolId should be a string, not 2',
      '- userPoolClientId should be a string, not 3',
      '- identityPoolId should be a string, not 4',
      '- models.0.id is missing',
    ])
  })

  it('counts only top-level fields as missing for the one-line summary', () => {
    const fourMissing = without('region', 'userPoolId', 'userPoolClientId', 'identityPoolId')
    expect(problems({ ...fourMissing, models: [{ label: 'M' }] })).toEqual([
      '- region is missing',
      '- userPoolId is missing',
      '- userPoolClientId is missing',
      '- identityPoolId is missing',
      '- models.0.id is missing',
    ])
  })

  it('shows eight problems and counts the rest', () => {
    const wrong = {
      ...CONFIG,
      ...Object.fromEntries(
        ['region', 'userPoolId', 'userPoolClientId', 'identityPoolId', 'iotEndpoint', 'topicPrefix'].map((key) => [
          key,
          true,
        ]),
      ),
      chatFunctionName: false,
      attachPolicyFunctionName: null,
      fetchStreamFunctionName: 0,
      protocols: 'v2',
    }
    const lines = problems(wrong)
    expect(lines).toHaveLength(9)
    expect(lines.slice(0, 8)).toEqual([
      '- region should be a string, not true',
      '- userPoolId should be a string, not true',
      '- userPoolClientId should be a string, not true',
      '- identityPoolId should be a string, not true',
      '- iotEndpoint should be a string, not true',
      '- topicPrefix should be a string, not true',
      '- chatFunctionName should be a string, not false',
      '- attachPolicyFunctionName should be a string, not null',
    ])
    expect(lines[8]).toBe('- …and 2 more')
    const result = parseCloudConfig(wrong)
    expect(!result.ok && result.issues).toHaveLength(10)
  })

  it('names the whole configuration when the problem is not in one field', () => {
    expect(problems({ ...CONFIG, models: [CONFIG.models[0], CONFIG.models[0]] })).toEqual([
      '- models should be model ids must be unique',
    ])
    expect(problems(42)).toEqual(['- expected a JSON object'])
    expect(problems(null)).toEqual(['- expected a JSON object'])
    expect(problems('  ')).toEqual(['- the text is empty'])
  })
})

describe('unwrapping what surrounds the config', () => {
  it('takes `value` only when it is not the config itself', () => {
    expect(parseCloudConfig({ value: CONFIG })).toEqual({ ok: true, config: CONFIG })
    // A config carrying a `value` key of its own is the config (the unknown key dropped), not a wrapper.
    expect(parseCloudConfig({ ...CONFIG, value: 'x' })).toEqual({ ok: true, config: CONFIG })
  })

  it('peels at most four wrappers, then judges what is left', () => {
    const wrapped = (levels: number) => {
      let value: unknown = CONFIG
      for (let i = 0; i < levels; i++) value = { value }
      return value
    }
    expect(parseCloudConfig(wrapped(4))).toEqual({ ok: true, config: CONFIG })
    expect(parseCloudConfig(wrapped(5))).toMatchObject({ ok: false })
    expect(parseCloudConfig(JSON.stringify(JSON.stringify(CONFIG)))).toEqual({ ok: true, config: CONFIG })
  })

  it('peels at most four layers of JSON text or output maps either', () => {
    const wrapped = (levels: number, wrap: (value: unknown) => unknown) => {
      let value: unknown = CONFIG
      for (let i = 0; i < levels; i++) value = wrap(value)
      return value
    }
    const asText = (value: unknown) => JSON.stringify(value)
    const asOutput = (value: unknown) => ({ streamdesk_cloud_config: value })
    for (const wrap of [asText, asOutput]) {
      expect(parseCloudConfig(wrapped(4, wrap)), wrap.name).toEqual({ ok: true, config: CONFIG })
      expect(parseCloudConfig(wrapped(5, wrap)), wrap.name).toMatchObject({ ok: false })
    }
  })
})

describe('stop requests at their limits', () => {
  const bytes = (text: string) => new TextEncoder().encode(text)
  /** A valid request of exactly `size` bytes: ids of 100 characters, the last one shorter. */
  const requestOf = (size: number) => {
    const ids: string[] = []
    const length = () => encodeStopRequest({ stop: ids }).length
    while (length() + 103 <= size) ids.push('i'.repeat(100))
    ids.push('j'.repeat(size - length() - 3))
    return bytes(encodeStopRequest({ stop: ids }))
  }

  it(`reads one of ${MAX_STOP_REQUEST_BYTES} bytes and refuses one byte more`, () => {
    const largest = requestOf(MAX_STOP_REQUEST_BYTES)
    expect(largest.byteLength).toBe(MAX_STOP_REQUEST_BYTES)
    expect(decodeStopRequest(largest)?.stop).toHaveLength(40)
    const over = requestOf(MAX_STOP_REQUEST_BYTES + 1)
    expect(over.byteLength).toBe(MAX_STOP_REQUEST_BYTES + 1)
    expect(decodeStopRequest(over)).toBeUndefined()
  })

  it('reads up to 64 models', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`)
    expect(decodeStopRequest(bytes(encodeStopRequest({ stop: ids(64) })))?.stop).toEqual(ids(64))
    expect(decodeStopRequest(bytes(encodeStopRequest({ stop: ids(65) })))).toBeUndefined()
  })

  it('refuses invalid UTF-8, even in a key it would drop', () => {
    const valid = bytes('{"stop":"all","note":"x"}')
    const invalid = Uint8Array.from(valid, (byte) => (byte === 0x78 ? 0xff : byte)) // the x
    expect(decodeStopRequest(valid)).toEqual({ stop: 'all' })
    expect(decodeStopRequest(invalid)).toBeUndefined()
  })
})
