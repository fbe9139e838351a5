/**
 * The publish budget shared by a user's overlapping prompts in the chat Lambda (issue 17, item 5): each invocation
 * admitted by the spend guard (DynamoDB at the SDK edge: aws-sdk-client-mock and the table stand-in) and paced by a
 * `PublishShare` kept up to date from the user's leases, on a manual clock. Every stream here is greedy (it takes
 * every slot it is given), so the windows measured are the most the scheme lets through.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { mockClient } from 'aws-sdk-client-mock'
import { DynamoDBClient, GetItemCommand, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb'
import { CONNECTION_PUBLISH_LIMITS } from '../../../src-main/backend/publish-budget'
import {
  SHARE_HOLD_MS,
  SHARE_STALE_MS,
  sharedPacer,
  shareCeiling,
  type PublishShare,
} from '../../../src-main/backend/publish-share'
import { SpendGuard, type SpendPass } from '../../../src-main/backend/spend-guard'
import { DynamoItemTable } from '../../support/dynamo-item-table'
import { ManualClock } from '../../support/manual-clock'

const dynamo = mockClient(DynamoDBClient)
const USER = 'eu-west-1:0b8a1f2e-1111-2222-3333-444455556666'
const RATE = CONNECTION_PUBLISH_LIMITS.publishesPerSecond

let table: DynamoItemTable
let clock: ManualClock
let guard: SpendGuard
/** Every publish of the user, whichever invocation sent it: [when, prompt]. */
let sent: Array<{ at: number; prompt: string }>

beforeEach(() => {
  dynamo.reset()
  table = new DynamoItemTable(['userId', 'period'])
  table.serve(dynamo)
  clock = new ManualClock()
  clock.advance(Date.parse('2026-12-07T10:00:00Z'))
  sent = []
  guard = guardWith(2)
})

afterAll(() => dynamo.restore())

function guardWith(concurrentStreams: number): SpendGuard {
  return new SpendGuard({
    client: new DynamoDBClient({ region: 'eu-west-1' }),
    tableName: 'sd-spend',
    limits: { dailyTokens: 10_000_000, monthlyTokens: 10_000_000, concurrentStreams },
    clock,
  })
}

/** Lets the SDK's promise chains settle (DynamoDB answers without a clock). */
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Moves the clock in 1 ms steps, letting reads answer between them. */
async function run(ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    await settle()
    clock.advance(1)
  }
  await settle()
}

interface Prompt {
  name: string
  pass: SpendPass
  share: PublishShare
  stop: () => Promise<void>
}

/** An admitted prompt whose models take every slot they get, as a model streaming very fast would. */
async function startPrompt(name: string, models: number): Promise<Prompt> {
  const admission = await guard.admit(USER, { streamId: name, tokens: 1, leaseUntil: clock.now() + 900_000, models })
  if (!admission.ok) throw new Error(admission.refusal.message)
  const edge = {
    publish: async () => {
      sent.push({ at: clock.now(), prompt: name })
    },
  }
  const { pacer, share } = sharedPacer(edge, CONNECTION_PUBLISH_LIMITS, admission.pass, clock)
  const cancels: Array<() => void> = []
  let stopped = false
  for (let model = 0; model < models; model++) {
    const owner = {}
    const ask = () => {
      if (stopped) return
      cancels[model] = pacer.requestSlot(() => {
        void pacer.publish('t', `{"prompt":"${name}","model":${model}}`)
        ask()
      }, owner)
    }
    ask()
  }
  return {
    name,
    pass: admission.pass,
    share,
    stop: async () => {
      stopped = true
      for (const cancel of cancels) cancel()
      share.close()
      await admission.pass.settle(1)
    },
  }
}

/** The most publishes in any one-second window (t − 1000, t], over `from` the given prompts. */
function worstWindow(prompts?: string[]): number {
  const mine = prompts ? sent.filter((p) => prompts.includes(p.prompt)) : sent
  let worst = 0
  for (const last of mine) worst = Math.max(worst, mine.filter((p) => p.at > last.at - 1000 && p.at <= last.at).length)
  return worst
}

const countBetween = (prompt: string, from: number, to: number) =>
  sent.filter((p) => p.prompt === prompt && p.at > from && p.at <= to).length

describe('PublishShare: overlapping prompts share one budget', () => {
  it('keeps two overlapping 8-model prompts within 80/s: the newer waits for room, then both get half', async () => {
    const a = await startPrompt('a', 8)
    await run(1500)
    expect(countBetween('a', clock.now() - 1000, clock.now())).toBeGreaterThanOrEqual(RATE - 2) // alone: all of it
    const bStart = clock.now()
    const b = await startPrompt('b', 8)
    await run(4000)
    expect(worstWindow()).toBeLessThanOrEqual(RATE)
    // The newer prompt sent nothing until the older had lowered its share and its publishes had left the window.
    const firstOfB = sent.find((p) => p.prompt === 'b')!.at
    expect(firstOfB - bStart).toBeGreaterThanOrEqual(1000)
    expect(firstOfB - bStart).toBeLessThanOrEqual(SHARE_HOLD_MS + 250)
    // Then an even split of the budget.
    const now = clock.now()
    expect(countBetween('a', now - 1000, now)).toBeGreaterThanOrEqual(RATE / 2 - 2)
    expect(countBetween('b', now - 1000, now)).toBeGreaterThanOrEqual(RATE / 2 - 2)
    // When the older ends, the newer grows back to the whole budget, late (after its tail and the hold).
    const aEnd = clock.now()
    await a.stop()
    await run(1000)
    expect(countBetween('b', clock.now() - 1000, clock.now())).toBeLessThanOrEqual(RATE / 2 + 1)
    await run(3000)
    expect(countBetween('b', clock.now() - 1000, clock.now())).toBeGreaterThanOrEqual(RATE - 2)
    expect(worstWindow()).toBeLessThanOrEqual(RATE)
    expect(clock.now() - aEnd).toBeGreaterThan(SHARE_HOLD_MS)
    await b.stop()
  })

  it('starts prompts with up to 8 models in all at once, each at an eighth of the budget per model', async () => {
    const a = await startPrompt('a', 4)
    await run(500)
    const b = await startPrompt('b', 4)
    expect(b.share.current).toBe(0.5)
    await run(20)
    expect(sent.some((p) => p.prompt === 'b')).toBe(true)
    await run(3000)
    expect(a.share.current).toBe(0.5)
    expect(worstWindow()).toBeLessThanOrEqual(RATE)
    await Promise.all([a.stop(), b.stop()])
  })

  it('counts a prompt that ended less than a second ago: a prompt started right after waits for that room', async () => {
    const a = await startPrompt('a', 8)
    await run(1500)
    await a.stop()
    await run(300)
    const c = await startPrompt('c', 8)
    expect(c.share.current).toBeUndefined() // the tail of a: its last publishes are still in the window
    await run(2500)
    expect(worstWindow()).toBeLessThanOrEqual(RATE)
    expect(c.share.current).toBe(1)
    await c.stop()
  })

  it('falls to the lowest share when the lease table cannot be read, and comes back once it can', async () => {
    const a = await startPrompt('a', 8)
    await run(300)
    expect(a.share.current).toBe(1)
    let failing = true
    table.beforeApply = (input) => {
      if (failing && !('UpdateExpression' in input))
        throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })
    }
    await run(SHARE_STALE_MS + 300)
    // 8 of the most models that can be counted at once: 2 slots of 8 models, and as many tails.
    expect(a.share.current).toBe(8 / 32)
    failing = false
    await run(SHARE_HOLD_MS + 500)
    expect(a.share.current).toBe(1)
    expect(dynamo.commandCalls(GetItemCommand).every((call) => call.args[0].input.ConsistentRead === true)).toBe(true)
    await a.stop()
  })

  it('stays within 80/s in every window for any schedule of prompts (greedy models, random overlaps)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            gapMs: fc.integer({ min: 0, max: 1500 }),
            models: fc.integer({ min: 1, max: 8 }),
            lengthMs: fc.integer({ min: 100, max: 3000 }),
          }),
          { minLength: 2, maxLength: 4 },
        ),
        async (schedule) => {
          dynamo.reset()
          table = new DynamoItemTable(['userId', 'period'])
          table.serve(dynamo)
          sent = []
          guard = guardWith(4)
          const running: Array<{ prompt: Prompt; endsAt: number }> = []
          const stopDue = async () => {
            for (const entry of running.filter((r) => r.endsAt <= clock.now())) {
              running.splice(running.indexOf(entry), 1)
              await entry.prompt.stop()
            }
          }
          for (const [index, { gapMs, models, lengthMs }] of schedule.entries()) {
            for (let t = 0; t < gapMs; t += 10) {
              await run(10)
              await stopDue()
            }
            const prompt = await startPrompt(`p${index}`, models)
            running.push({ prompt, endsAt: clock.now() + lengthMs })
          }
          while (running.length > 0) {
            await run(10)
            await stopDue()
          }
          expect(worstWindow()).toBeLessThanOrEqual(RATE)
        },
      ),
      { numRuns: 12 },
    )
  }, 120_000)
})

describe('shareCeiling', () => {
  it('is an eighth per model, never more than the whole budget', () => {
    expect([1, 4, 8, 12].map(shareCeiling)).toEqual([0.125, 0.5, 1, 1])
  })
})
