/**
 * Model prices and the estimated cost of an answer. Declared once here (plain types and checks, no zod, no Node) so
 * the stack's model catalog, the cloud config, the settings store, the settings form and the app core agree on the
 * names and the ranges.
 */
import type { AnswerMetrics } from './answer'

/** What a model costs, in US dollars per million tokens. Reasoning tokens are billed as output tokens. */
export interface ModelPrice {
  inputPerMillion: number
  outputPerMillion: number
}

/** No model's list price is near 1,000 USD per million tokens: a bigger figure is a typo (a price per token?). */
export const PRICE_LIMITS = { min: 0, max: 1_000 } as const

const PRICE_LABELS: Record<keyof ModelPrice, string> = {
  inputPerMillion: 'Input price',
  outputPerMillion: 'Output price',
}

/** The figures of a price that do not check (missing, not finite, out of range); empty when it is fine. */
export function priceIssues(price: unknown): Array<keyof ModelPrice> {
  const figures = typeof price === 'object' && price !== null ? (price as Record<string, unknown>) : {}
  return (Object.keys(PRICE_LABELS) as Array<keyof ModelPrice>).filter((name) => !isPriceFigure(figures[name]))
}

/**
 * The same, one plain English sentence per problem: the settings store refuses a save with these (the form words
 * them in its language).
 */
export function priceProblems(price: unknown): string[] {
  if (typeof price !== 'object' || price === null) return ['A price needs an input and an output price.']
  const range = `${PRICE_LIMITS.min} to ${PRICE_LIMITS.max.toLocaleString('en-US')}`
  return priceIssues(price).map(
    (name) => `${PRICE_LABELS[name]} must be a number from ${range} (US dollars per million tokens).`,
  )
}

export function isModelPrice(price: unknown): price is ModelPrice {
  return priceProblems(price).length === 0
}

function isPriceFigure(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= PRICE_LIMITS.min && value <= PRICE_LIMITS.max
}

/**
 * The estimated cost of an answer in US dollars: its input tokens at the input price and its output tokens at the
 * output price. Reasoning tokens are part of the output tokens (AnswerMetrics), so they are not added again.
 * Undefined when the price or either token count is unknown: a guess would look like a fact.
 */
export function answerCostUsd(
  metrics: Pick<AnswerMetrics, 'inputTokens' | 'outputTokens'> | undefined,
  price: ModelPrice | undefined,
): number | undefined {
  const { inputTokens, outputTokens } = metrics ?? {}
  if (!price || inputTokens === undefined || outputTokens === undefined) return undefined
  return (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) / 1_000_000
}
