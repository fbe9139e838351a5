/**
 * Publishes on one user connection: the worst one-second window (publishes and bytes) and the first token's
 * latency, for 1, 4 and 8 models at 200 tokens/s, two overlapping 4-model prompts (the second 500 ms after the
 * first) and one 100,000-character delta, through the real chat handler on a manual clock (exact and repeatable;
 * the broker and network are left out, they add the same to every row).
 *
 * Three configurations, measured in the same run:
 * - per-model (baseline): the behaviour before the budget, each model coalesced on its own 60 ms window;
 * - local: local mode, one publish budget shared by every stream of the app;
 * - Lambda, fixed share: one budget per invocation, its share fixed at the start (`invocationShare`, the app
 *   announcing the models it streams at once: 4 for the first prompt, 8 for the second), as without a spend table;
 * - Lambda, shared: each invocation admitted by the spend guard (DynamoDB at the SDK edge, aws-sdk-client-mock and
 *   the table stand-in, answering at once) and its share kept up to date from the user's leases (`sharedPacer`).
 * First-token latency is from the model's first delta to the publish of the chunk that carries it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { mockClient } from 'aws-sdk-client-mock'
import { streamChat, type ChatHandlerDeps, type ChatRequest } from '../../src-main/backend/chat-handler'
import { sharedPacer } from '../../src-main/backend/publish-share'
import { SpendGuard } from '../../src-main/backend/spend-guard'
import type { ModelEvent, ModelResolver } from '../../src-main/backend/model-provider'
import {
  CONNECTION_PUBLISH_LIMITS,
  invocationShare,
  PublishPacer,
  scaledLimits,
} from '../../src-main/backend/publish-budget'
import type { Publisher } from '../../src-main/backend/publisher'
import { DynamoItemTable } from '../support/dynamo-item-table'
import { ManualClock } from '../support/manual-clock'
import { percentile, printTable, verdict } from './stats'

export type BudgetConfiguration =
  'per-model (baseline)' | 'local (one budget)' | 'Lambda (fixed share)' | 'Lambda (shared, leases)'
export const BUDGET_CONFIGURATIONS: BudgetConfiguration[] = [
  'per-model (baseline)',
  'local (one budget)',
  'Lambda (fixed share)',
  'Lambda (shared, leases)',
]

interface Scenario {
  name: string
  /** Each prompt: when it starts and how many models it streams. */
  prompts: Array<{ atMs: number; models: number }>
  script: { tokens?: number; bigDelta?: string }
}

/** About 300 KB of UTF-8, as the 100,000-character delta that went out as 13 publishes at once. */
const BIG_DELTA = '日本語のテキスト、東京😀'.repeat(10_000).slice(0, 100_000)

export const SCENARIOS: Scenario[] = [
  { name: '1 model, 200 tokens/s', prompts: [{ atMs: 0, models: 1 }], script: { tokens: 1_000 } },
  { name: '4 models, 200 tokens/s', prompts: [{ atMs: 0, models: 4 }], script: { tokens: 1_000 } },
  { name: '8 models, 200 tokens/s', prompts: [{ atMs: 0, models: 8 }], script: { tokens: 1_000 } },
  {
    name: '2 overlapping 4-model prompts',
    prompts: [
      { atMs: 0, models: 4 },
      { atMs: 500, models: 4 },
    ],
    script: { tokens: 1_000 },
  },
  {
    name: '2 overlapping 8-model prompts',
    prompts: [
      { atMs: 0, models: 8 },
      { atMs: 500, models: 8 },
    ],
    script: { tokens: 1_000 },
  },
  { name: 'one 100,000-character delta', prompts: [{ atMs: 0, models: 1 }], script: { bigDelta: BIG_DELTA } },
]

export interface BudgetResult {
  scenario: string
  configuration: BudgetConfiguration
  publishes: number
  worstPublishesPerSecond: number
  worstKilobytesPerSecond: number
  /** The most kilobytes in any 125 ms: pacing (a burst puts a large delta's whole size here). */
  worst125msKilobytes: number
  /** From each token's arrival to the publish of the chunk that carries it, ms (p99 over every token). */
  tokenLatencyP99Ms: number
  /** The slowest model's first-token latency, ms. */
  firstTokenMaxMs: number
  firstTokenMeanMs: number
}

/** Models on the manual clock: the first delta 5 ms in, then one every 5 ms (200 tokens/s), or one big delta. */
function clockedModels(
  clock: ManualClock,
  script: Scenario['script'],
  firstDeltaAt: Map<string, number>,
  tokenAt: Map<string, number>,
): ModelResolver {
  const wait = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms))
  return {
    resolve: (modelId) => ({
      async *stream(): AsyncIterable<ModelEvent> {
        const deltas = script.bigDelta !== undefined ? [script.bigDelta] : []
        for (let i = 0; i < (script.tokens ?? 0); i++) deltas.push(`tok${i} `)
        for (const text of deltas) {
          await wait(5)
          if (!firstDeltaAt.has(modelId)) firstDeltaAt.set(modelId, clock.now())
          tokenAt.set(`${modelId}/${text}`, clock.now())
          yield { type: 'delta', text }
        }
      },
    }),
  }
}

async function run(scenario: Scenario, configuration: BudgetConfiguration): Promise<BudgetResult> {
  const clock = new ManualClock()
  const sent: Array<{ at: number; bytes: number; key: string }> = []
  const tokenLatencies: number[] = []
  const firstDeltaAt = new Map<string, number>()
  const tokenAt = new Map<string, number>()
  const edge: Publisher = {
    async publish(_topic, payload) {
      const { streamId, modelId, text } = JSON.parse(payload) as { streamId: string; modelId: string; text: string }
      sent.push({ at: clock.now(), bytes: Buffer.byteLength(payload), key: `${streamId}/${modelId}` })
      for (const token of text.match(/tok\d+ /g) ?? []) {
        const at = tokenAt.get(`${modelId}/${token}`)
        if (at !== undefined) tokenLatencies.push(clock.now() - at)
      }
    },
  }
  const models = clockedModels(clock, scenario.script, firstDeltaAt, tokenAt)
  const shared = configuration === 'local (one budget)' ? new PublishPacer(edge, undefined, clock) : undefined
  const dynamo = mockClient(DynamoDBClient)
  new DynamoItemTable(['userId', 'period']).serve(dynamo)
  const guard = new SpendGuard({
    client: new DynamoDBClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    }),
    tableName: 'bench-spend',
    limits: { dailyTokens: 10_000_000, monthlyTokens: 10_000_000, concurrentStreams: 2 },
    clock,
  })
  let streaming = 0
  let done = 0
  const start = (index: number) => {
    const prompt = scenario.prompts[index]!
    const modelIds = Array.from({ length: prompt.models }, (_, m) => `p${index}m${m}`)
    streaming += prompt.models
    const request: ChatRequest = {
      userId: 'bench',
      streamId: `stream-${index}`,
      concurrentModels: streaming,
      models: modelIds.map((modelId) => ({ modelId, messages: [{ role: 'user', content: 'Go.' }] })),
    }
    const deps: ChatHandlerDeps = { publisher: edge, models, clock }
    if (shared) deps.publishBudget = shared
    if (configuration === 'Lambda (fixed share)') {
      const share = invocationShare(prompt.models, request.concurrentModels)
      deps.publishBudget = new PublishPacer(edge, scaledLimits(CONNECTION_PUBLISH_LIMITS, share), clock)
    }
    const streamed = async () => {
      if (configuration !== 'Lambda (shared, leases)') return void (await streamChat(request, deps))
      const leaseUntil = clock.now() + 900_000
      const admission = await guard.admit('bench', {
        streamId: request.streamId,
        tokens: 1,
        leaseUntil,
        models: prompt.models,
      })
      if (!admission.ok) throw new Error(admission.refusal.message)
      const { pacer, share } = sharedPacer(edge, CONNECTION_PUBLISH_LIMITS, admission.pass, clock)
      await streamChat(request, { ...deps, publishBudget: pacer })
      share.close()
      await admission.pass.settle(1)
    }
    void streamed().then(() => {
      streaming -= prompt.models
      done += 1
    })
  }
  for (let now = 0; done < scenario.prompts.length; now++) {
    if (now > 600_000) throw new Error(`${scenario.name} never ended`)
    for (const [index, prompt] of scenario.prompts.entries()) if (prompt.atMs === now) start(index)
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
    clock.advance(1)
  }
  dynamo.restore()
  let worstPublishes = 0
  let worstBytes = 0
  let worstPacedBytes = 0
  for (const { at: end } of sent) {
    worstPacedBytes = Math.max(
      worstPacedBytes,
      sent.filter((p) => p.at > end - 125 && p.at <= end).reduce((sum, p) => sum + p.bytes, 0),
    )
    const inside = sent.filter((p) => p.at > end - 1000 && p.at <= end)
    worstPublishes = Math.max(worstPublishes, inside.length)
    worstBytes = Math.max(
      worstBytes,
      inside.reduce((sum, p) => sum + p.bytes, 0),
    )
  }
  const latencies = [...firstDeltaAt].map(([modelId, at]) => {
    const first = sent.find((p) => p.key.endsWith(`/${modelId}`))
    return first ? first.at - at : NaN
  })
  return {
    scenario: scenario.name,
    configuration,
    publishes: sent.length,
    worstPublishesPerSecond: worstPublishes,
    worstKilobytesPerSecond: worstBytes / 1000,
    worst125msKilobytes: worstPacedBytes / 1000,
    tokenLatencyP99Ms: tokenLatencies.length > 0 ? percentile(tokenLatencies, 99) : NaN,
    firstTokenMaxMs: Math.max(...latencies),
    firstTokenMeanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
  }
}

export async function measurePublishBudget(): Promise<BudgetResult[]> {
  const results: BudgetResult[] = []
  for (const scenario of SCENARIOS)
    for (const configuration of BUDGET_CONFIGURATIONS) results.push(await run(scenario, configuration))
  return results
}

export function printPublishBudget(results: BudgetResult[]): void {
  const baseline = (scenario: string) =>
    results.find((r) => r.scenario === scenario && r.configuration === 'per-model (baseline)')!
  printTable(
    'Publish budget per user connection: worst one-second window and first-token latency (delta → publish), manual clock',
    results.map((r) => {
      const isBaseline = r.configuration === 'per-model (baseline)'
      const withinRate = r.worstPublishesPerSecond <= 80 && r.worstKilobytesPerSecond <= 400
      const firstTokenKept = r.firstTokenMaxMs <= baseline(r.scenario).firstTokenMaxMs
      const target = (met: boolean) => (isBaseline ? '—' : verdict(met))
      return {
        scenario: r.scenario,
        configuration: r.configuration,
        publishes: r.publishes,
        'worst publishes/s': r.worstPublishesPerSecond,
        'worst KB/s': r.worstKilobytesPerSecond,
        'worst KB/125 ms': r.worst125msKilobytes,
        'token latency p99 ms': Number.isNaN(r.tokenLatencyP99Ms) ? '—' : r.tokenLatencyP99Ms,
        'first token max ms': r.firstTokenMaxMs,
        'first token mean ms': r.firstTokenMeanMs,
        'target ≤80/s, ≤400 KB/s': target(withinRate),
        'first token ≤ baseline': target(firstTokenKept),
      }
    }),
  )
}

// `npx tsx tests/bench/publish-budget-bench.ts`: this table alone (`npm run bench` prints it with the others).
if (process.argv[1]?.endsWith('publish-budget-bench.ts')) printPublishBudget(await measurePublishBudget())
