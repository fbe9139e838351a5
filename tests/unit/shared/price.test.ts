/** Model prices and an answer's estimated cost (src-main/shared/price.ts). */
import { describe, expect, it } from 'vitest'
import { answerCostUsd, isModelPrice, priceProblems } from '../../../src-main/shared/price'

describe('priceProblems', () => {
  it.each([
    [{ inputPerMillion: 0, outputPerMillion: 0 }],
    [{ inputPerMillion: 0.8, outputPerMillion: 4 }],
    [{ inputPerMillion: 1_000, outputPerMillion: 1_000 }],
  ])('accepts %o', (price) => {
    expect(priceProblems(price)).toEqual([])
    expect(isModelPrice(price)).toBe(true)
  })

  it.each([
    ['a negative input price', { inputPerMillion: -1, outputPerMillion: 4 }, ['Input price']],
    ['an output price above 1,000', { inputPerMillion: 3, outputPerMillion: 1_000.5 }, ['Output price']],
    ['both missing', {}, ['Input price', 'Output price']],
    ['infinity', { inputPerMillion: Infinity, outputPerMillion: 1 }, ['Input price']],
    ['NaN', { inputPerMillion: 1, outputPerMillion: NaN }, ['Output price']],
    ['a number as text', { inputPerMillion: '3', outputPerMillion: 15 }, ['Input price']],
  ])('refuses %s with a plain message per figure', (_name, price, figures) => {
    const problems = priceProblems(price)
    expect(problems).toEqual(
      figures.map((figure) => `${figure} must be a number from 0 to 1,000 (US dollars per million tokens).`),
    )
    expect(isModelPrice(price)).toBe(false)
  })

  it.each([null, undefined, 3, 'cheap'])('refuses %s as a whole', (price) => {
    expect(priceProblems(price)).toEqual(['A price needs an input and an output price.'])
  })
})

describe('answerCostUsd', () => {
  const price = { inputPerMillion: 3, outputPerMillion: 15 }

  it('prices input and output tokens at their own rates', () => {
    // 1,000 × 3 / 1M + 500 × 15 / 1M = 0.003 + 0.0075
    expect(answerCostUsd({ inputTokens: 1_000, outputTokens: 500 }, price)).toBeCloseTo(0.0105, 12)
    expect(answerCostUsd({ inputTokens: 2_000_000, outputTokens: 0 }, price)).toBeCloseTo(6, 12)
  })

  it('bills reasoning tokens as output once: they are part of the output count', () => {
    const withReasoning = { inputTokens: 100, outputTokens: 1_000, reasoningTokens: 900 }
    expect(answerCostUsd(withReasoning, price)).toBeCloseTo((100 * 3 + 1_000 * 15) / 1e6, 12)
    expect(answerCostUsd(withReasoning, { inputPerMillion: 0, outputPerMillion: 1 })).toBeCloseTo(0.001, 12)
  })

  it('is unknown without a price or without either token count', () => {
    expect(answerCostUsd({ inputTokens: 10, outputTokens: 10 }, undefined)).toBeUndefined()
    expect(answerCostUsd({ outputTokens: 10 }, price)).toBeUndefined()
    expect(answerCostUsd({ inputTokens: 10 }, price)).toBeUndefined()
    expect(answerCostUsd(undefined, price)).toBeUndefined()
  })

  it('is zero for a free model', () => {
    expect(answerCostUsd({ inputTokens: 10, outputTokens: 10 }, { inputPerMillion: 0, outputPerMillion: 0 })).toBe(0)
  })
})
