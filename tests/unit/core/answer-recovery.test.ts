/**
 * AnswerRecovery on its own, on a manual clock: the back-off between fetches, the budget, the checks a stored copy
 * must pass, and dispose. (tests/unit/core/stream-recovery.test.ts drives it through the chat service.)
 */
import { describe, expect, it } from 'vitest'
import { AnswerRecovery, type RecoveryTiming } from '../../../src-main/core/chat/answer-recovery'
import { ModelAnswer } from '../../../src-main/core/chat/model-answer'
import type { OpenStream, StreamRecovery } from '../../../src-main/core/chat/stream-recovery'
import { DiagnosticsRecorder } from '../../../src-main/core/diagnostics'
import type { ArchivedAnswer } from '../../../src-main/protocol/answer-archive'
import type { FinalMarker } from '../../../src-main/protocol/stream-protocol'
import { ManualClock } from '../../support/manual-clock'
import { sha256Hex } from '../../support/sha256'
import { settle } from '../cloud/cloud-fixtures'

class StoredCopies implements StreamRecovery {
  readonly fetchedAt: number[] = []
  copies: ArchivedAnswer[] = []
  failWith: string | undefined
  constructor(private readonly clock: ManualClock) {}
  async fetch(): Promise<ArchivedAnswer[]> {
    this.fetchedAt.push(this.clock.now())
    if (this.failWith) throw new Error(this.failWith)
    return this.copies
  }
  opened(_: OpenStream): void {}
  closed(): void {}
  async openStreams(): Promise<OpenStream[]> {
    return []
  }
}

const copy = (modelId: string, text: string, extra: Partial<ArchivedAnswer> = {}): ArchivedAnswer => ({
  streamId: 's',
  modelId,
  text,
  status: 'complete',
  chunks: 3,
  sha256: sha256Hex(text),
  storedAt: 1,
  ...extra,
})

function setup(timing: RecoveryTiming = {}) {
  const clock = new ManualClock()
  const source = new StoredCopies(clock)
  const diagnostics = new DiagnosticsRecorder()
  const answers = [new ModelAnswer('s', 'a', 'streaming', 0), new ModelAnswer('s', 'b', 'streaming', 0)]
  for (const answer of answers) {
    answer.accept({ seq: 0, text: 'One' }, 0)
    answer.recovering = true
  }
  /** Model, text rest, final marker, and the reasoning rest when the copy restored some. */
  const completed: Array<[string, string, FinalMarker] | [string, string, FinalMarker, string]> = []
  const failed: Array<[string, string]> = []
  const recovery = new AnswerRecovery({
    source,
    clock,
    diagnostics,
    timing,
    answers: () => answers,
    completed: (answer, rest, final, reasoningRest) => {
      completed.push(
        reasoningRest === undefined ? [answer.modelId, rest, final] : [answer.modelId, rest, final, reasoningRest],
      )
      answer.end(final.status)
    },
    failed: (answer, message) => {
      failed.push([answer.modelId, message])
      answer.end('error')
    },
  })
  /** Time passes in 100 ms steps, letting fetches resolve in between. */
  const pass = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100)
      await settle()
    }
  }
  return { clock, source, diagnostics, answers, completed, failed, recovery, pass }
}

describe('AnswerRecovery', () => {
  it('appends what the stored copy adds to each waiting answer, with the copy as final marker', async () => {
    const { source, recovery, completed, diagnostics } = setup()
    source.copies = [copy('a', 'One two', { usage: { outputTokens: 2 } }), copy('b', 'One three')]
    recovery.start('s')
    recovery.start('s') // one run per stream
    await settle()
    expect(source.fetchedAt).toEqual([0])
    expect(completed).toEqual([
      ['a', ' two', { total: 3, status: 'complete', sha256: sha256Hex('One two'), usage: { outputTokens: 2 } }],
      ['b', ' three', { total: 3, status: 'complete', sha256: sha256Hex('One three') }],
    ])
    expect(diagnostics.snapshot(0).rejected).toEqual({})
  })

  it('touches only the answers that wait for the copy: recovering and still streaming', async () => {
    const { source, recovery, completed, answers } = setup()
    answers[1]!.recovering = false
    source.copies = [copy('a', 'One two'), copy('b', 'One two')]
    recovery.start('s')
    await settle()
    expect(completed.map(([modelId]) => modelId)).toEqual(['a'])
    expect(answers[1]!.status).toBe('streaming')
  })

  it('backs off between fetches, doubling up to the cap, until the copy is there', async () => {
    const { source, recovery, completed, pass } = setup({ recoveryRetryMs: 1_000, recoveryMaxDelayMs: 3_000 })
    source.failWith = 'Cannot reach AWS Lambda.'
    recovery.start('s')
    await settle()
    await pass(7_000)
    expect(source.fetchedAt).toEqual([0, 1_000, 3_000, 6_000])
    source.failWith = undefined
    source.copies = [copy('a', 'One two'), copy('b', 'One two')]
    await pass(3_000)
    expect(source.fetchedAt).toEqual([0, 1_000, 3_000, 6_000, 9_000])
    expect(completed.map(([modelId]) => modelId)).toEqual(['a', 'b'])
  })

  it('gives up once its budget is spent, saying why, and fetches no more', async () => {
    const { source, recovery, failed, pass } = setup({ recoveryBudgetMs: 2_500 })
    source.failWith = 'Cannot reach AWS Lambda.'
    recovery.start('s')
    await settle()
    await pass(10_000)
    expect(source.fetchedAt).toEqual([0, 1_000, 3_000])
    expect(failed).toEqual([
      ['a', expect.stringContaining('could not be fetched (Cannot reach AWS Lambda.) within 1 min')],
      ['b', expect.stringContaining('could not be fetched')],
    ])
  })

  it('refuses a copy that fails its own digest, contradicts the final marker, or does not continue the text', async () => {
    const { source, recovery, failed, completed, answers, diagnostics } = setup()
    answers.push(new ModelAnswer('s', 'c', 'streaming', 0))
    answers[2]!.recovering = true
    answers[2]!.final = { total: 3, status: 'complete', sha256: sha256Hex('something else') }
    source.copies = [copy('a', 'One two', { sha256: sha256Hex('One too') }), copy('b', 'Two two'), copy('c', 'One two')]
    recovery.start('s')
    await settle()
    expect(completed).toEqual([])
    expect(failed.map(([modelId, message]) => [modelId, message.includes('does not match')])).toEqual([
      ['a', true],
      ['b', true],
      ['c', true],
    ])
    expect(diagnostics.snapshot(0).rejected).toEqual({ 'recovered-mismatch': 3 })
  })

  it("restores the copy's reasoning after what was shown, and its end details, when it checks out", async () => {
    const { source, recovery, completed, answers, diagnostics } = setup()
    const thought = 'Think 東京 🌞, then count.'
    for (const answer of answers) answer.accept({ seq: 1, text: '', reasoning: thought.slice(0, 8) }, 0)
    const v2 = {
      reasoning: thought,
      reasoningSha256: sha256Hex(thought),
      stopReason: 'max-tokens' as const,
      redactedReasoning: 2,
      metrics: { durationMs: 900, reasoningTokens: 7 },
    }
    source.copies = [copy('a', 'One two', v2), copy('b', 'One two', { ...v2, reasoning: 'Think, then count.' })]
    recovery.start('s')
    await settle()
    const { reasoning: _reasoning, ...endFields } = v2
    expect(completed).toEqual([
      ['a', ' two', { total: 3, status: 'complete', sha256: sha256Hex('One two'), ...endFields }, thought.slice(8)],
      // b's reasoning fails its own digest: the text is completed, its reasoning left as it arrived.
      ['b', ' two', { total: 3, status: 'complete', sha256: sha256Hex('One two'), ...endFields }],
    ])
    expect(diagnostics.snapshot(0).rejected).toEqual({ 'recovered-mismatch': 1 })
  })

  it('restores no reasoning from a copy that contradicts the final marker or the reasoning shown', async () => {
    const { source, recovery, completed, answers } = setup()
    const thought = 'Think, then count.'
    answers[0]!.final = { total: 3, status: 'complete', reasoningSha256: sha256Hex('another thought') }
    answers[1]!.accept({ seq: 1, text: '', reasoning: 'Dream' }, 0)
    const v2 = { reasoning: thought, reasoningSha256: sha256Hex(thought) }
    source.copies = [copy('a', 'One two', v2), copy('b', 'One two', v2)]
    recovery.start('s')
    await settle()
    expect(completed.map((entry) => [entry[0], entry[3]])).toEqual([
      ['a', undefined],
      ['b', undefined],
    ])
  })

  it('stops for good when disposed, twice if need be', async () => {
    const { clock, source, recovery, pass } = setup()
    recovery.start('s')
    await settle()
    expect(clock.pendingTimers).toBe(1) // the next attempt
    recovery.dispose()
    recovery.dispose()
    expect(clock.pendingTimers).toBe(0)
    await pass(60_000)
    expect(source.fetchedAt).toEqual([0])
  })
})
