/**
 * The spend guard against DynamoDB at the SDK's edge (aws-sdk-client-mock, with a table model that applies each
 * conditional update atomically, as DynamoDB does): budgets used up, reset at the UTC day and month boundaries,
 * invocations racing for the last tokens, the concurrent-stream cap and its leases, and the words the user reads.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { mockClient } from 'aws-sdk-client-mock'
import { DynamoDBClient, ProvisionedThroughputExceededException, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import {
  budgetMessage,
  chargedTokens,
  estimateInputTokens,
  IMAGE_TOKEN_BOUND,
  PDF_PAGE_TOKEN_BOUND,
  type AttachmentSize,
  SpendGuard,
  type SpendLimits,
  type SpendPass,
} from '../../../src-main/backend/spend-guard'
import { ManualClock } from '../../support/manual-clock'
import { DynamoItemTable } from '../../support/dynamo-item-table'

const dynamo = mockClient(DynamoDBClient)
const USER = 'eu-west-1:0b8a1f2e-1111-2222-3333-444455556666'
const OTHER = 'eu-west-1:99999999-aaaa-bbbb-cccc-dddddddddddd'
const LIMITS: SpendLimits = { dailyTokens: 200_000, monthlyTokens: 1_000_000, concurrentStreams: 2 }
const at = (iso: string) => Date.parse(iso)

let table: DynamoItemTable
let clock: ManualClock
/** Moves the clock forward to an instant. */
const setTime = (iso: string) => clock.advance(at(iso) - clock.now())

beforeEach(() => {
  dynamo.reset()
  table = new DynamoItemTable(['userId', 'period'])
  table.serve(dynamo)
  clock = new ManualClock()
  setTime('2026-12-07T10:00:00Z')
})

function guard(limits: Partial<SpendLimits> = {}): SpendGuard {
  return new SpendGuard({
    client: new DynamoDBClient({ region: 'eu-west-1' }),
    tableName: 'sd-spend',
    limits: { ...LIMITS, ...limits },
    clock,
  })
}

const admit = (g: SpendGuard, tokens: number, streamId = `s-${Math.random().toString(36).slice(2)}`, user = USER) =>
  g.admit(user, { streamId, tokens, leaseUntil: clock.now() + 900_000 })

async function admitted(g: SpendGuard, tokens: number, user = USER): Promise<SpendPass> {
  const admission = await admit(g, tokens, undefined, user)
  if (!admission.ok) throw new Error(`refused: ${admission.refusal.message}`)
  return admission.pass
}

const DECEMBER = { userId: USER, period: 'tokens#2026-12' }

describe('spend guard: budgets', () => {
  it('reserves the worst case before, then settles to what was used', async () => {
    const g = guard()
    const pass = await admitted(g, 12_000)
    expect(table.number(DECEMBER, 'dayTokens07')).toBe(12_000)
    expect(table.number(DECEMBER, 'monthTokens')).toBe(12_000)
    await pass.settle(3_456)
    expect(table.number(DECEMBER, 'dayTokens07')).toBe(3_456)
    expect(table.number(DECEMBER, 'monthTokens')).toBe(3_456)
    expect(await g.usage(USER)).toEqual({
      dayTokens: 3_456,
      monthTokens: 3_456,
      limits: LIMITS,
      dayResetsAt: at('2026-12-08T00:00:00Z'),
      monthResetsAt: at('2027-01-01T00:00:00Z'),
    })
  })

  it('refuses once the daily budget is used, with the plain message, and leaves the counters as they were', async () => {
    const g = guard()
    await (await admitted(g, 10_000)).settle(195_000)
    const admission = await admit(g, 6_000)
    expect(admission).toEqual({
      ok: false,
      refusal: {
        kind: 'daily-tokens',
        limit: 200_000,
        resetsAt: at('2026-12-08T00:00:00Z'),
        message: 'Your daily budget of 200,000 tokens is used; it resets at 00:00 UTC',
      },
    })
    expect(table.number(DECEMBER, 'dayTokens07')).toBe(195_000)
    // What still fits is still admitted: the limit is reached, never passed.
    await (await admitted(g, 5_000)).settle(5_000)
    expect(table.number(DECEMBER, 'dayTokens07')).toBe(200_000)
    expect(await admit(g, 1)).toMatchObject({ ok: false, refusal: { kind: 'daily-tokens' } })
  })

  it('says which budget stopped it: the month, with the date it resets', async () => {
    const g = guard({ dailyTokens: 200_000, monthlyTokens: 300_000 })
    table.put(DECEMBER, { monthTokens: 299_000, dayTokens06: 150_000 })
    const admission = await admit(g, 5_000)
    expect(admission).toEqual({
      ok: false,
      refusal: {
        kind: 'monthly-tokens',
        limit: 300_000,
        resetsAt: at('2027-01-01T00:00:00Z'),
        message: 'Your monthly budget of 300,000 tokens is used; it resets on 2027-01-01 at 00:00 UTC',
      },
    })
  })

  it('refuses a prompt larger than a whole budget without touching the counters', async () => {
    const admission = await admit(guard(), 250_000)
    expect(admission).toMatchObject({
      ok: false,
      refusal: {
        kind: 'daily-tokens',
        requested: 250_000,
        message: expect.stringMatching(/may use up to 250,000 tokens, more than/),
      },
    })
    expect(table.number(DECEMBER, 'monthTokens')).toBeUndefined()
    // Its stream slot went back: two prompts may still stream.
    await admitted(guard(), 1_000)
    await admitted(guard(), 1_000)
  })

  it('starts a new day from zero at 00:00 UTC, while the month keeps counting', async () => {
    const g = guard()
    setTime('2026-12-07T23:59:59Z')
    await (await admitted(g, 1_000)).settle(200_000)
    expect(await admit(g, 1_000)).toMatchObject({ ok: false, refusal: { kind: 'daily-tokens' } })
    setTime('2026-12-08T00:00:01Z')
    await admitted(g, 1_000)
    expect(table.number(DECEMBER, 'dayTokens08')).toBe(1_000)
    expect(table.number(DECEMBER, 'monthTokens')).toBe(201_000)
    expect(await g.usage(USER)).toMatchObject({ dayTokens: 1_000, monthTokens: 201_000 })
  })

  it('starts a new month from zero on the 1st at 00:00 UTC', async () => {
    const g = guard({ dailyTokens: 200_000, monthlyTokens: 200_000 })
    setTime('2026-12-31T23:00:00Z')
    table.put(DECEMBER, { monthTokens: 200_000, dayTokens31: 0 })
    expect(await admit(g, 1_000)).toMatchObject({ ok: false, refusal: { kind: 'monthly-tokens' } })
    setTime('2027-01-01T00:00:00Z')
    await admitted(g, 1_000)
    expect(table.number({ userId: USER, period: 'tokens#2027-01' }, 'monthTokens')).toBe(1_000)
  })

  it('settles a prompt that began before midnight on the day it was reserved in', async () => {
    const g = guard()
    setTime('2026-12-07T23:59:50Z')
    const pass = await admitted(g, 10_000)
    setTime('2026-12-08T00:00:20Z')
    await pass.settle(4_000)
    expect(table.number(DECEMBER, 'dayTokens07')).toBe(4_000)
    expect(table.number(DECEMBER, 'dayTokens08')).toBeUndefined()
  })

  it('keeps each user to their own counters', async () => {
    const g = guard()
    await (await admitted(g, 1_000, OTHER)).settle(200_000)
    expect(await admit(g, 1_000, undefined, OTHER)).toMatchObject({ ok: false })
    await admitted(g, 1_000)
    expect(table.number(DECEMBER, 'dayTokens07')).toBe(1_000)
  })
})

describe('spend guard: invocations racing for the last tokens', () => {
  it('admits only the prompts whose reservations still fit; the others are refused (ConditionalCheckFailed)', async () => {
    const g = guard({ concurrentStreams: 10 })
    table.put(DECEMBER, { monthTokens: 196_000, dayTokens07: 196_000 })
    const admissions = await Promise.all(Array.from({ length: 6 }, (_, i) => admit(g, 1_500, `race-${i}`)))
    expect(admissions.filter((a) => a.ok)).toHaveLength(2)
    const refused = admissions.filter((a) => !a.ok)
    expect(refused).toHaveLength(4)
    for (const a of refused)
      expect(a.ok ? '' : a.refusal.message).toBe('Your daily budget of 200,000 tokens is used; it resets at 00:00 UTC')
    // Four conditional failures on the counters (the others were on slots taken a moment before: ten are free).
    expect(table.conditionFailures.filter((key) => key !== 'streams')).toEqual(Array(4).fill('tokens#2026-12'))
    expect(table.number(DECEMBER, 'dayTokens07')).toBe(199_000)
  })

  it('is not fooled by a writer that gets in between two invocations', async () => {
    const g = guard()
    table.put(DECEMBER, { monthTokens: 100_000, dayTokens07: 100_000 })
    // Another invocation's reservation lands just before this one's.
    table.beforeApply = (input) => {
      if ('UpdateExpression' in input && input.UpdateExpression?.startsWith('ADD')) {
        table.beforeApply = undefined
        table.put(DECEMBER, { monthTokens: 199_500, dayTokens07: 199_500 })
      }
    }
    expect(await admit(g, 1_000)).toMatchObject({ ok: false, refusal: { kind: 'daily-tokens' } })
    expect(table.number(DECEMBER, 'dayTokens07')).toBe(199_500)
  })

  it('fails closed when DynamoDB fails otherwise, and gives the stream slot back', async () => {
    const g = guard({ concurrentStreams: 1 })
    table.beforeApply = (input) => {
      if (input.Key?.period?.S?.startsWith('tokens#'))
        throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })
    }
    await expect(admit(g, 1_000)).rejects.toThrow(/slow down/)
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(3) // slot, reservation, release
    table.beforeApply = undefined
    await admitted(g, 1_000)
  })
})

describe('spend guard: concurrent streams', () => {
  it('caps the prompts streaming at once, and frees a slot when one settles (on error too)', async () => {
    const g = guard()
    const first = await admitted(g, 1_000)
    await admitted(g, 1_000)
    const third = await admit(g, 1_000)
    expect(third).toEqual({
      ok: false,
      refusal: {
        kind: 'concurrent-streams',
        limit: 2,
        message: 'You already have 2 prompts streaming, the most at once; ask again when one has finished',
      },
    })
    // A refused prompt reserves nothing.
    expect(table.number(DECEMBER, 'dayTokens07')).toBe(2_000)
    await first.settle(0)
    await admitted(g, 1_000)
  })

  it('frees the slot even when the settling write fails', async () => {
    const g = guard({ concurrentStreams: 1 })
    const pass = await admitted(g, 1_000)
    table.beforeApply = (input) => {
      if ('UpdateExpression' in input && input.UpdateExpression?.startsWith('ADD'))
        throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })
    }
    await expect(pass.settle(10)).rejects.toThrow(/slow down/)
    table.beforeApply = undefined
    await admitted(g, 1_000)
  })

  it('takes back the slot of an invocation that died without releasing it, once its lease has run out', async () => {
    const g = guard({ concurrentStreams: 1 })
    await g.admit(USER, { streamId: 'crashed', tokens: 1_000, leaseUntil: clock.now() + 60_000 })
    expect(await admit(g, 1_000)).toMatchObject({ ok: false, refusal: { kind: 'concurrent-streams' } })
    clock.advance(60_001)
    expect(await admit(g, 1_000)).toMatchObject({ ok: true })
  })

  it("never frees a slot that another invocation took over after this one's lease ran out", async () => {
    const g = guard({ concurrentStreams: 1 })
    const late = await g.admit(USER, { streamId: 'late', tokens: 10, leaseUntil: clock.now() + 1_000 })
    clock.advance(2_000)
    await admitted(g, 10)
    if (!late.ok) throw new Error('expected a pass')
    await late.pass.settle(10)
    // The newer prompt still holds the only slot.
    expect(await admit(g, 10)).toMatchObject({ ok: false, refusal: { kind: 'concurrent-streams' } })
  })
})

describe('spend guard: the live streams the publish budget is shared by', () => {
  it("lists each held lease with its models, keeps a released one's models for one second, forgets expired ones", async () => {
    const g = guard({ concurrentStreams: 3 })
    const a = await g.admit(USER, { streamId: 'a', tokens: 10, leaseUntil: clock.now() + 60_000, models: 3 })
    const b = await g.admit(USER, { streamId: 'b', tokens: 10, leaseUntil: clock.now() + 60_000, models: 5 })
    const dead = await g.admit(USER, { streamId: 'dead', tokens: 10, leaseUntil: clock.now() + 500 })
    if (!a.ok || !b.ok || !dead.ok) throw new Error('expected passes')
    // Each lease saw the ones taken before it (its own included), from the lease write itself.
    expect(a.pass.lease.streams).toEqual([{ lease: a.pass.lease.id, models: 3 }])
    expect(b.pass.lease.streams).toHaveLength(2)
    // A lease that does not say (or says more) counts as 8 models, the most a prompt has.
    expect(dead.pass.lease.models).toBe(8)
    expect(await g.liveStreams(USER)).toHaveLength(3)
    clock.advance(600) // the dead invocation's lease has run out
    await a.pass.settle(10)
    const models = (streams: Array<{ lease?: string; models: number }>) =>
      streams.map((s) => `${s.lease === undefined ? 'tail' : 'lease'}:${s.models}`).sort()
    expect(models(await g.liveStreams(USER))).toEqual(['lease:5', 'tail:3'])
    clock.advance(1_000)
    expect(models(await g.liveStreams(USER))).toEqual(['lease:5'])
    expect(await g.liveStreams(OTHER)).toEqual([])
  })
})

describe('spend guard: what is counted', () => {
  it('counts input + output tokens as the provider reported them (reasoning is part of the output)', () => {
    const answer = { characters: 999, reasoningCharacters: 999 }
    expect(
      chargedTokens({ ...answer, metrics: { inputTokens: 120, outputTokens: 800, reasoningTokens: 500 } }, 50),
    ).toBe(920)
    expect(chargedTokens({ ...answer, metrics: { inputTokens: 120, reasoningTokens: 500 } }, 50)).toBe(620)
    expect(chargedTokens({ ...answer, metrics: { outputTokens: 10 } }, 50)).toBe(60)
  })

  it('estimates an answer without counts from what was sent, and charges nothing for a model that sent nothing', () => {
    expect(chargedTokens({ characters: 300, reasoningCharacters: 0 }, 40)).toBe(140)
    expect(chargedTokens({ characters: 0, reasoningCharacters: 0 }, 40)).toBe(0)
  })

  it('estimates input tokens at or above the real count for English and Japanese alike', () => {
    // ~4 characters a token in English, ~1 a token in Japanese: a third of the UTF-8 bytes covers both.
    expect(estimateInputTokens([{ content: 'x'.repeat(400) }])).toBeGreaterThanOrEqual(100)
    expect(estimateInputTokens([{ content: 'あ'.repeat(100) }])).toBeGreaterThanOrEqual(100)
  })

  it("adds a prompt's attachments to its input estimate: images at their bound, text by size, PDFs by page", () => {
    const text = [{ content: 'x'.repeat(300) }]
    const base = estimateInputTokens(text)
    const withFiles = (attachments: AttachmentSize[]) => estimateInputTokens([{ ...text[0]!, attachments }]) - base
    expect(withFiles([{ kind: 'image', sizeBytes: 3_700_000 }, { kind: 'image' }])).toBe(2 * IMAGE_TOKEN_BOUND)
    expect(withFiles([{ kind: 'text', sizeBytes: 90_001 }])).toBe(30_001)
    expect(withFiles([{ kind: 'pdf', sizeBytes: 4_000_000, pages: 7 }])).toBe(7 * PDF_PAGE_TOKEN_BOUND)
    // An older app states no sizes: a file counts as one page.
    expect(withFiles([{ kind: 'pdf' }, { kind: 'text' }])).toBe(2 * PDF_PAGE_TOKEN_BOUND)
  })

  it('words a monthly reset with its date', () => {
    expect(budgetMessage('monthly-tokens', 3_000_000, at('2027-02-01T00:00:00Z'))).toBe(
      'Your monthly budget of 3,000,000 tokens is used; it resets on 2027-02-01 at 00:00 UTC',
    )
  })
})
