import { rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { defaultModels, loadStackConfig, resolveStackConfig } from '../../../cdktf/config/stack-config'
import { makeTempDirSync } from '../../support/temp-dir'

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:streamdesk/openai-AbCdEf'
/** An empty configuration file, so that a developer's own cdktf/streamdesk.config.json cannot leak into the tests. */
const folder = makeTempDirSync('config')
const EMPTY_FILE = { STREAMDESK_CONFIG: path.join(folder, 'empty.json') }
writeFileSync(EMPTY_FILE.STREAMDESK_CONFIG, '{}')
afterAll(() => rmSync(folder, { recursive: true, force: true }))

describe('stack configuration', () => {
  it('defaults to us-east-1, the streamdesk prefixes and Claude on Bedrock through the US inference profiles', () => {
    expect(resolveStackConfig({})).toEqual({
      region: 'us-east-1',
      namePrefix: 'streamdesk',
      topicPrefix: 'streamdesk',
      logRetentionDays: 30,
      mfa: 'optional',
      chatTimeoutSeconds: 900,
      // Not open by default: anyone can read the app's configuration and reach the user pool.
      signUp: { policy: 'invite-only' },
      budgets: { dailyTokens: 200_000, monthlyTokens: 3_000_000, concurrentStreams: 2 },
      chatReservedConcurrency: 20,
      models: [
        {
          id: 'claude-haiku',
          label: 'Claude 3.5 Haiku',
          provider: 'bedrock',
          modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
          reasoning: false,
          price: { inputPerMillion: 0.8, outputPerMillion: 4 },
        },
        {
          id: 'claude-sonnet',
          label: 'Claude Sonnet 4',
          provider: 'bedrock',
          modelId: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
          reasoning: true,
          price: { inputPerMillion: 3, outputPerMillion: 15 },
        },
      ],
    })
  })

  it("picks the inference profiles of the region's geography, and adds GPT-4o mini when given an OpenAI key secret", () => {
    expect(defaultModels('eu-central-1').map((m) => m.provider === 'bedrock' && m.modelId)).toEqual([
      'eu.anthropic.claude-3-haiku-20240307-v1:0',
      'eu.anthropic.claude-sonnet-4-20250514-v1:0',
    ])
    expect(defaultModels('ap-northeast-1')[0]).toMatchObject({
      label: 'Claude 3 Haiku',
      modelId: 'apac.anthropic.claude-3-haiku-20240307-v1:0',
      price: { inputPerMillion: 0.25, outputPerMillion: 1.25 },
    })
    expect(() => resolveStackConfig({ region: 'sa-east-1' })).toThrow(/no default models for sa-east-1/)
    expect(
      resolveStackConfig({
        region: 'sa-east-1',
        models: [{ id: 'm', label: 'M', provider: 'bedrock', modelId: 'amazon.nova-lite-v1:0' }],
      }).models,
    ).toHaveLength(1)
    expect(defaultModels('us-west-2', SECRET).at(-1)).toEqual({
      id: 'gpt-4o-mini',
      label: 'GPT-4o mini',
      provider: 'openai-compatible',
      baseUrl: 'https://api.openai.com/v1',
      model: 'gpt-4o-mini',
      apiKeySecretArn: SECRET,
      reasoning: false,
      price: { inputPerMillion: 0.15, outputPerMillion: 0.6 },
    })
  })

  it('takes one-off overrides from the environment', () => {
    const config = loadStackConfig({
      ...EMPTY_FILE,
      STREAMDESK_REGION: 'eu-west-1',
      STREAMDESK_NAME_PREFIX: 'sd-dev',
      STREAMDESK_TOPIC_PREFIX: 'sd_dev',
      STREAMDESK_OPENAI_SECRET_ARN: SECRET,
    })
    expect(config).toMatchObject({ region: 'eu-west-1', namePrefix: 'sd-dev', topicPrefix: 'sd_dev' })
    expect(config.models.map((m) => m.id)).toEqual(['claude-haiku', 'claude-sonnet', 'gpt-4o-mini'])
  })

  it('accepts the example configuration file', () => {
    const config = loadStackConfig({
      STREAMDESK_CONFIG: path.join(import.meta.dirname, '../../../cdktf/streamdesk.config.example.json'),
    })
    expect(config.models.map((m) => m.id)).toEqual(['claude-haiku', 'claude-sonnet', 'nova-lite', 'gpt-4o-mini'])
  })

  it('refuses a missing configuration file that STREAMDESK_CONFIG names', () => {
    expect(() => loadStackConfig({ STREAMDESK_CONFIG: '/nonexistent/streamdesk.json' })).toThrow(/does not exist/)
  })

  it.each([
    ['an unknown key', { regoin: 'us-east-1' }, /regoin/],
    ['a region that is not one', { region: 'Frankfurt' }, /region/],
    ['a topic prefix with a slash', { topicPrefix: 'a/b' }, /topicPrefix/],
    ['a retention CloudWatch does not offer', { logRetentionDays: 10 }, /logRetentionDays/],
    ["a chat timeout beyond Lambda's 15 minutes", { chatTimeoutSeconds: 1000 }, /chatTimeoutSeconds/],
    ['an API key in place of a secret ARN', { openAiApiKeySecretArn: 'sk-live-123' }, /openAiApiKeySecretArn/],
    [
      'a catalog too large for the Lambda environment',
      {
        models: Array.from({ length: 40 }, (_, i) => ({
          id: `m${i}`,
          label: `Model number ${i}`,
          provider: 'bedrock',
          modelId: `us.anthropic.claude-sonnet-4-20250514-v1:0`,
        })),
      },
      /4 KB/,
    ],
    [
      'a price out of range',
      {
        models: [
          {
            id: 'm',
            label: 'M',
            provider: 'bedrock',
            modelId: 'amazon.nova-lite-v1:0',
            price: { inputPerMillion: -1, outputPerMillion: 1 },
          },
        ],
      },
      /models\[0\]\.price\.inputPerMillion/,
    ],
  ])('refuses %s, saying where', (_name, input, message) => {
    expect(() => resolveStackConfig(input)).toThrow(message)
  })

  it.each([
    ['a sign-up policy that does not exist', { signUp: { policy: 'anyone' } }, /signUp\.policy/],
    ['allowed domains without a domain', { signUp: { policy: 'allowed-domains', domains: [] } }, /signUp\.domains/],
    [
      'an email address where a domain belongs',
      { signUp: { policy: 'allowed-domains', domains: ['me@example.com'] } },
      /domain name such as example\.com[\s\S]*signUp\.domains\[0\]/,
    ],
    ['a negative daily budget', { budgets: { dailyTokens: -5 } }, /budgets\.dailyTokens/],
    ['a budget given as text', { budgets: { dailyTokens: '200k' } }, /budgets\.dailyTokens/],
    ['a fractional budget', { budgets: { monthlyTokens: 1.5e6 + 0.5 } }, /budgets\.monthlyTokens/],
    [
      'a month smaller than a day',
      { budgets: { dailyTokens: 500_000, monthlyTokens: 100_000 } },
      /monthlyTokens must be at least dailyTokens/,
    ],
    ['no concurrent stream at all', { budgets: { concurrentStreams: 0 } }, /budgets\.concurrentStreams/],
    ['a reserved concurrency of 0 (every prompt throttled)', { chatReservedConcurrency: 0 }, /chatReservedConcurrency/],
    ['a cost alarm without an email', { costAlarm: { monthlyUsd: 50 } }, /costAlarm\.email/],
    ['a cost alarm of no dollars', { costAlarm: { monthlyUsd: 0, email: 'a@b.co' } }, /costAlarm\.monthlyUsd/],
    ['a cost alarm to an address that is not one', { costAlarm: { monthlyUsd: 5, email: 'ops' } }, /email address/],
  ])('refuses %s before anything is synthesized, saying where', (_name, input, message) => {
    // Through the file, as `npm run cdktf:synth` reads it.
    const file = path.join(folder, 'bad.json')
    writeFileSync(file, JSON.stringify(input))
    expect(() => loadStackConfig({ STREAMDESK_CONFIG: file })).toThrow(/The StreamDesk stack configuration is invalid/)
    expect(() => loadStackConfig({ STREAMDESK_CONFIG: file })).toThrow(message)
  })

  it('takes the spend settings a deployer chooses, and `false` for no reserved concurrency', () => {
    const config = resolveStackConfig({
      signUp: { policy: 'allowed-domains', domains: ['example.com'] },
      budgets: { dailyTokens: 50_000 },
      chatReservedConcurrency: false,
      costAlarm: { monthlyUsd: 20, email: 'ops@example.com' },
    })
    expect(config).toMatchObject({
      signUp: { policy: 'allowed-domains', domains: ['example.com'] },
      budgets: { dailyTokens: 50_000, monthlyTokens: 3_000_000, concurrentStreams: 2 },
      chatReservedConcurrency: false,
      costAlarm: { monthlyUsd: 20, email: 'ops@example.com' },
    })
    expect(resolveStackConfig({ signUp: { policy: 'open' } }).signUp).toEqual({ policy: 'open' })
  })

  it("leaves prices out of the Lambda environment's budget: the chat Lambda never gets them", () => {
    const models = Array.from({ length: 25 }, (_, i) => ({
      id: `m${i}`,
      label: `Model number ${i}`,
      provider: 'bedrock' as const,
      modelId: `us.anthropic.claude-sonnet-4-20250514-v1:0`,
      price: { inputPerMillion: 3, outputPerMillion: 15 },
    }))
    expect(JSON.stringify(models).length).toBeGreaterThan(3000)
    expect(resolveStackConfig({ models }).models[24]).toMatchObject({ price: { inputPerMillion: 3 } })
  })
})
