import { describe, expect, it } from 'vitest'
import {
  answerMetrics,
  exchangeLeaders,
  formatCost,
  formatDuration,
  isCutShort,
  metricItems,
  quotaMessage,
  stopMessage,
  thinkingMs,
  tokensPerSecond,
} from '../../../src-renderer/src/format/answer-facts'
import { en } from '../../../src-renderer/src/i18n/en'
import { ja } from '../../../src-renderer/src/i18n/ja'

describe('stopMessage', () => {
  it('says in plain words why a complete answer stopped short', () => {
    expect(stopMessage('complete', { stopReason: 'max-tokens' }, en)).toBe('Cut off at the token limit')
    expect(stopMessage('complete', { stopReason: 'content-filter' }, en)).toBe(
      "Blocked by the provider's content filter",
    )
    expect(stopMessage('complete', { stopReason: 'guardrail' }, en)).toBe('Stopped by a guardrail')
    expect(stopMessage('complete', { stopReason: 'stop-sequence' }, en)).toBe('Stopped at a stop sequence')
  })

  it('names the tools a tool-call-only answer asked for', () => {
    expect(stopMessage('complete', { stopReason: 'tool-call', toolNames: ['get_weather'] }, en)).toBe(
      'The model asked to call a tool (get_weather) that StreamDesk does not run yet',
    )
    expect(stopMessage('complete', { stopReason: 'tool-call', toolNames: ['a', 'b'] }, ja)).toContain('（a, b）')
    expect(stopMessage('complete', { stopReason: 'tool-call' }, en)).toBe(
      'The model asked to call a tool that StreamDesk does not run yet',
    )
  })

  it('shows a reason the app does not know by its raw name', () => {
    expect(stopMessage('complete', { stopReason: 'other', rawStopReason: 'recitation' }, en)).toMatch(/: recitation$/)
    expect(stopMessage('complete', { stopReason: 'other', rawStopReason: 'recitation' }, ja)).toMatch(/recitation$/)
  })

  it('says the user stopped it, and nothing for a normal end, an error or an open answer', () => {
    expect(stopMessage('stopped', undefined, en)).toBe('Stopped by you')
    expect(stopMessage('stopped', { stopReason: 'user' }, ja)).toBe('あなたが停止しました')
    expect(stopMessage('complete', { stopReason: 'end' }, en)).toBeUndefined()
    expect(stopMessage('complete', undefined, en)).toBeUndefined()
    expect(stopMessage('error', { stopReason: 'error' }, en)).toBeUndefined()
    expect(stopMessage('streaming', { stopReason: 'max-tokens' }, en)).toBeUndefined()
  })

  it('marks as cut short the answers that are not what the model would have said in full', () => {
    expect(isCutShort({ stopReason: 'max-tokens' })).toBe(true)
    expect(isCutShort({ stopReason: 'content-filter' })).toBe(true)
    expect(isCutShort({ stopReason: 'end' })).toBe(false)
    expect(isCutShort({ stopReason: 'tool-call' })).toBe(false)
    expect(isCutShort(undefined)).toBe(false)
  })
})

describe('quotaMessage', () => {
  it("words the spend guard's refusal in the app's language, with the limit and the reset", () => {
    const daily = { kind: 'daily-tokens', limit: 200_000, resetsAt: Date.parse('2026-12-08T00:00:00Z') } as const
    expect(quotaMessage(daily, en)).toBe('Your daily budget of 200,000 tokens is used; it resets at 00:00 UTC')
    expect(quotaMessage(daily, ja)).toBe(
      '1日のトークン予算（200,000 トークン）を使い切りました。00:00 UTC にリセットされます',
    )
    const monthly = { kind: 'monthly-tokens', limit: 3_000_000, resetsAt: Date.parse('2027-01-01T00:00:00Z') } as const
    expect(quotaMessage(monthly, en)).toBe(
      'Your monthly budget of 3,000,000 tokens is used; it resets on 2027-01-01 at 00:00 UTC',
    )
    expect(quotaMessage(monthly, ja)).toContain('2027-01-01 00:00 UTC')
    expect(quotaMessage({ kind: 'concurrent-streams', limit: 2 }, en)).toMatch(/^At most 2 of your prompts/)
    // A prompt larger than the whole budget is not "used up": it says what to change.
    expect(quotaMessage({ ...daily, requested: 250_000 }, en)).toBe(
      'This prompt may use up to 250,000 tokens, more than your daily budget of 200,000 tokens: shorten the conversation or ask fewer models',
    )
    expect(quotaMessage({ ...daily, requested: 250_000 }, ja)).toContain('250,000')
    expect(quotaMessage({ kind: 'concurrent-streams', limit: 2 }, ja)).toContain('2 件まで')
  })
})

describe('thinkingMs', () => {
  it("prefers the backend's timings, else what was measured", () => {
    expect(thinkingMs({ firstTokenMs: 300, firstAnswerTokenMs: 4300 }, 999)).toBe(4000)
    expect(thinkingMs({ firstTokenMs: 300 }, 999)).toBe(999)
    expect(thinkingMs(undefined, 12)).toBe(12)
    expect(thinkingMs(undefined)).toBeUndefined()
    // Reasoning that came with the text (a continued answer carries the cut one's): no duration to show.
    expect(thinkingMs({ firstTokenMs: 300, firstAnswerTokenMs: 300 }, 0)).toBeUndefined()
    expect(thinkingMs({ firstTokenMs: 300, firstAnswerTokenMs: 300 }, 40)).toBe(40)
    expect(thinkingMs(undefined, 0)).toBeUndefined()
    // Timings in the wrong order are not believed.
    expect(thinkingMs({ firstTokenMs: 5000, firstAnswerTokenMs: 300 }, 7)).toBe(7)
  })
})

describe('tokensPerSecond', () => {
  it('divides the output tokens by the time from the first token to the last byte', () => {
    expect(tokensPerSecond({ outputTokens: 500, firstTokenMs: 1000, durationMs: 11_000 })).toBe(50)
    expect(tokensPerSecond({ outputTokens: 30, firstTokenMs: 0, durationMs: 1500 })).toBe(20)
  })

  it('is unknown when a figure is missing or the span is not positive', () => {
    expect(tokensPerSecond({ outputTokens: 500, durationMs: 11_000 })).toBeUndefined()
    expect(tokensPerSecond({ firstTokenMs: 1000, durationMs: 11_000 })).toBeUndefined()
    expect(tokensPerSecond({ outputTokens: 5, firstTokenMs: 1000, durationMs: 1000 })).toBeUndefined()
    expect(tokensPerSecond(undefined)).toBeUndefined()
  })
})

describe('formatDuration', () => {
  it('uses milliseconds, seconds or minutes by size', () => {
    expect(formatDuration(850, en)).toBe('850 ms')
    expect(formatDuration(2440, en)).toBe('2.4 s')
    expect(formatDuration(2000, en)).toBe('2 s')
    expect(formatDuration(42_600, en)).toBe('43 s')
    expect(formatDuration(125_000, en)).toBe('2 min 5 s')
    expect(formatDuration(2440, ja)).toBe('2.4 秒')
  })
})

describe('metricItems', () => {
  const value = (items: ReturnType<typeof metricItems>, key: string) => items.find((i) => i.key === key)?.value

  it('lists every figure, the first answer token only after reasoning, and cost as a dash', () => {
    const items = metricItems(
      {
        inputTokens: 1200,
        outputTokens: 800,
        reasoningTokens: 300,
        firstTokenMs: 400,
        firstAnswerTokenMs: 3400,
        durationMs: 10_400,
      },
      en,
    )
    expect(items.map((i) => i.key)).toEqual([
      'firstToken',
      'firstAnswerToken',
      'speed',
      'duration',
      'input',
      'output',
      'reasoning',
      'cost',
    ])
    expect(value(items, 'firstToken')).toBe('400 ms')
    expect(value(items, 'firstAnswerToken')).toBe('3.4 s')
    expect(value(items, 'speed')).toBe('80 tok/s')
    expect(value(items, 'duration')).toBe('10 s')
    expect(value(items, 'input')).toBe('1,200')
    expect(value(items, 'reasoning')).toBe('300')
    expect(value(items, 'cost')).toBe('—')
  })

  it('puts a dash where a figure is unknown, and leaves out what only reasoning models have', () => {
    const items = metricItems({ inputTokens: 5, outputTokens: 7 }, en)
    expect(items.map((i) => i.key)).toEqual(['firstToken', 'speed', 'duration', 'input', 'output', 'cost'])
    expect(value(items, 'firstToken')).toBe('—')
    expect(value(items, 'speed')).toBe('—')
    expect(value(items, 'output')).toBe('7')
  })

  it("shows the answer's estimated cost when it has one", () => {
    expect(value(metricItems({ inputTokens: 5, outputTokens: 7 }, en, 0.01234), 'cost')).toBe('$0.0123')
    expect(value(metricItems(undefined, en, 0.00001), 'cost')).toBe('< $0.0001')
    expect(value(metricItems(undefined, ja, 2.5), 'cost')).toBe('$2.50')
  })

  it('takes the token counts of an older usage when the end has no metrics', () => {
    expect(answerMetrics(undefined, { inputTokens: 3 })).toEqual({ inputTokens: 3 })
    expect(answerMetrics({ metrics: { inputTokens: 4, durationMs: 9 } }, { inputTokens: 3 })).toEqual({
      inputTokens: 4,
      durationMs: 9,
    })
    expect(answerMetrics({ stopReason: 'end' }, undefined)).toBeUndefined()
  })
})

describe('formatCost', () => {
  it.each([
    [0.0123, '$0.0123'],
    [0.00016, '$0.0002'],
    [0.0001, '$0.0001'],
    [0.000099, '< $0.0001'],
    [0.000000001, '< $0.0001'],
    [0, '$0'],
    [0.99994, '$0.9999'],
    [1, '$1.00'],
    [1234.5, '$1,234.50'],
  ])('%f → %s', (usd, shown) => {
    expect(formatCost(usd, en)).toBe(shown)
  })
})

describe('exchangeLeaders', () => {
  it('marks the fastest first token and the most tokens per second', () => {
    const leaders = exchangeLeaders([
      { modelId: 'a', metrics: { firstTokenMs: 900, outputTokens: 100, durationMs: 2900 } }, // 50 tok/s
      { modelId: 'b', metrics: { firstTokenMs: 200, outputTokens: 100, durationMs: 5200 } }, // 20 tok/s
      { modelId: 'c' },
    ])
    expect(leaders).toEqual({ firstToken: 'b', speed: 'a' })
  })

  it('marks the cheapest answer among those with a cost (a free one included), not one without', () => {
    expect(
      exchangeLeaders([
        { modelId: 'a', costUsd: 0.02 },
        { modelId: 'b', costUsd: 0.0004 },
        { modelId: 'c' },
        { modelId: 'd', costUsd: 0.3 },
      ]),
    ).toEqual({ cheapest: 'b' })
    expect(
      exchangeLeaders([
        { modelId: 'a', costUsd: 0.02 },
        { modelId: 'b', costUsd: 0 },
      ]),
    ).toEqual({ cheapest: 'b' })
    expect(exchangeLeaders([{ modelId: 'a', costUsd: 0.02 }, { modelId: 'b' }])).toEqual({})
  })

  it('marks nothing on a figure fewer than two columns have', () => {
    expect(exchangeLeaders([{ modelId: 'a', metrics: { firstTokenMs: 10 } }, { modelId: 'b' }])).toEqual({})
    expect(
      exchangeLeaders([
        { modelId: 'a', metrics: { firstTokenMs: 10, outputTokens: 10, durationMs: 1010 } },
        { modelId: 'b', metrics: { firstTokenMs: 20 } },
      ]),
    ).toEqual({ firstToken: 'a' })
  })
})
