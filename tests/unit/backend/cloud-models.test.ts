import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime'
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { createCloudModelResolver, parseModelCatalog, type ModelCatalog } from '../../../src-main/backend/cloud-models'
import type { ModelEvent, ModelResolver } from '../../../src-main/backend/model-provider'
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../../fixtures/fake-openai-server'

const bedrock = mockClient(BedrockRuntimeClient)
const secrets = mockClient(SecretsManagerClient)
afterEach(() => {
  bedrock.reset()
  secrets.reset()
})

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:streamdesk/openai-AbCdEf'
const API_KEY = 'sk-test-0123456789'

let server: FakeOpenAiServer | undefined
beforeAll(async () => {
  server = await startFakeOpenAiServer(
    { 'gpt-test': { kind: 'answer', deltas: ['Hi', ' there'] } },
    { apiKey: API_KEY },
  )
})
afterAll(() => server?.close())

/** The fake server's address once it runs; the parsing tests, collected before that, see a placeholder. */
const catalog = (): ModelCatalog => [
  {
    id: 'claude',
    label: 'Claude 3.5 Haiku',
    provider: 'bedrock',
    modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
    maxTokens: 2048,
  },
  {
    id: 'gpt',
    label: 'GPT test',
    provider: 'openai-compatible',
    baseUrl: server?.baseUrl ?? 'http://127.0.0.1:1/v1',
    model: 'gpt-test',
    apiKeySecretArn: SECRET_ARN,
  },
  { id: 'open', label: 'Keyless', provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', model: 'none' },
]

const resolver = () =>
  createCloudModelResolver({
    catalog: catalog(),
    bedrock: new BedrockRuntimeClient({ region: 'us-east-1' }),
    secrets: new SecretsManagerClient({ region: 'us-east-1' }),
  })

async function collect(models: ModelResolver, modelId: string): Promise<ModelEvent[]> {
  const out: ModelEvent[] = []
  const provider = models.resolve(modelId)!
  for await (const event of provider.stream({
    messages: [{ role: 'user', content: 'Hello?' }],
    signal: new AbortController().signal,
  })) {
    out.push(event)
  }
  return out
}

describe('model catalog', () => {
  it('parses a catalog of Bedrock and OpenAI-compatible entries', () => {
    expect(parseModelCatalog(JSON.stringify(catalog()))).toEqual(catalog())
  })

  it.each([
    ['unset', undefined, /is not set/],
    ['not JSON', '[{', /is not JSON/],
    ['empty', '[]', /Too small/i],
    ['an unknown provider', '[{"id":"a","label":"A","provider":"azure","model":"x"}]', /provider/],
    ['a duplicate id', JSON.stringify([catalog()[0], catalog()[0]]), /unique/],
    ['an API key in the catalog', JSON.stringify([{ ...catalog()[2], apiKey: 'sk-oops' }]), /apiKey/],
    [
      'a secret that is not an ARN',
      JSON.stringify([{ ...catalog()[2], apiKeySecretArn: 'my-secret' }]),
      /Secrets Manager secret ARN/,
    ],
    ['a base URL that is not http(s)', JSON.stringify([{ ...catalog()[2], baseUrl: 'file:///etc/passwd' }]), /baseUrl/],
  ])('refuses a catalog that is %s, saying why', (_name, json, message) => {
    expect(() => parseModelCatalog(json)).toThrow(message)
  })
})

describe('cloud model resolver', () => {
  it('streams a Bedrock entry through ConverseStream with its model id and token limit', async () => {
    bedrock.on(ConverseStreamCommand).resolves({
      stream: (async function* () {
        yield { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Bonjour' } } }
      })(),
    })
    expect(await collect(resolver(), 'claude')).toEqual([{ type: 'delta', text: 'Bonjour' }])
    expect(bedrock.commandCalls(ConverseStreamCommand).map((c) => c.args[0].input)).toEqual([
      {
        modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
        messages: [{ role: 'user', content: [{ text: 'Hello?' }] }],
        inferenceConfig: { maxTokens: 2048 },
      },
    ])
  })

  it("knows only the catalog's ids", () => {
    expect(resolver().resolve('gpt-4o')).toBeUndefined()
  })

  it('reads the API key from Secrets Manager once, and sends it as a Bearer token on every request', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: API_KEY })
    const models = resolver()
    server!.requests.length = 0
    const answers = await Promise.all([collect(models, 'gpt'), collect(models, 'gpt')])
    answers.push(await collect(models, 'gpt'))
    for (const events of answers)
      expect(
        events
          .filter((e) => e.type === 'delta')
          .map((e) => e.text)
          .join(''),
      ).toBe('Hi there')
    expect(secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: SECRET_ARN }])
    expect(server!.requests.map((r) => r.headers.authorization)).toEqual(Array(3).fill(`Bearer ${API_KEY}`))
  })

  it('splits an inline <think> block off an OpenAI-compatible entry’s answer', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: API_KEY })
    server!.setScript('gpt-test', { kind: 'answer', deltas: ['<thi', 'nk>Hmm', '.</th', 'ink>\n\n', 'Hi', ' there'] })
    try {
      const events = await collect(resolver(), 'gpt')
      expect(events.filter((e) => e.type === 'reasoning').map((e) => e.text)).toEqual(['Hmm', '.'])
      expect(events.filter((e) => e.type === 'delta').map((e) => e.text)).toEqual(['Hi', ' there'])
    } finally {
      server!.setScript('gpt-test', { kind: 'answer', deltas: ['Hi', ' there'] })
    }
  })

  it('accepts the key as JSON {"apiKey": …}', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: API_KEY }) })
    server!.requests.length = 0
    await collect(resolver(), 'gpt')
    expect(server!.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${API_KEY}`])
  })

  it('reports an unreadable secret as unauthorized without caching the failure', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(
        Object.assign(new Error('User is not authorized to perform GetSecretValue'), { name: 'AccessDeniedException' }),
      )
      .resolves({ SecretString: API_KEY })
    const models = resolver()
    await expect(collect(models, 'gpt')).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/API key for GPT test from Secrets Manager \(AccessDeniedException/),
    })
    expect((await collect(models, 'gpt')).length).toBeGreaterThan(0)
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2)
  })

  it('never asks Secrets Manager for a model without a secret', async () => {
    await expect(collect(resolver(), 'open')).rejects.toMatchObject({ code: 'connection-refused' })
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0)
  })
})
