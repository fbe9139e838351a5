/**
 * Generation parameters: what the user may ask of a model beside the prompt. Declared once here (plain types and
 * checks, no zod, no Node) so the settings store, the settings form, the chat request and every provider agree on
 * the names and the ranges. A parameter that is not set is not sent: the provider's own default applies.
 */

export const REASONING_EFFORTS = ['low', 'medium', 'high'] as const
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number]

export interface GenerationParameters {
  /** 0–2. */
  temperature?: number
  /** 0–1. */
  topP?: number
  /** The longest answer, in tokens: 1–200,000. */
  maxOutputTokens?: number
  /** How hard a reasoning model thinks; absent is off (no reasoning field is sent). */
  reasoning?: ReasoningEffort
}

export const PARAMETER_LIMITS = {
  temperature: { min: 0, max: 2 },
  topP: { min: 0, max: 1 },
  maxOutputTokens: { min: 1, max: 200_000 },
} as const

/** A cloud model with no max output tokens set gets this, so an answer cannot silently run to the model's maximum. */
export const DEFAULT_CLOUD_MAX_OUTPUT_TOKENS = 4_096

/** The longest system prompt kept and sent (a chat message's own limit). */
export const MAX_SYSTEM_PROMPT_CHARS = 200_000

export type ParameterName = keyof typeof PARAMETER_LIMITS

/** One thing wrong with a set of parameters: a value out of its range, or a reasoning effort that does not exist. */
export type ParameterIssue = { name: ParameterName; min: number; max: number; integer: boolean } | { name: 'reasoning' }

/** What is wrong with a set of parameters, in order; empty when they are fine (the form words it in its language). */
export function parameterIssues(parameters: Record<string, unknown>): ParameterIssue[] {
  const issues: ParameterIssue[] = []
  for (const name of ['temperature', 'topP', 'maxOutputTokens'] as const) {
    const value = parameters[name]
    if (value === undefined) continue
    const { min, max } = PARAMETER_LIMITS[name]
    const integer = name === 'maxOutputTokens'
    const ok = typeof value === 'number' && Number.isFinite(value) && (!integer || Number.isInteger(value))
    if (!ok || (value as number) < min || (value as number) > max) issues.push({ name, min, max, integer })
  }
  const reasoning = parameters.reasoning
  if (reasoning !== undefined && !REASONING_EFFORTS.includes(reasoning as ReasoningEffort))
    issues.push({ name: 'reasoning' })
  return issues
}

const PARAMETER_LABELS: Record<ParameterIssue['name'], string> = {
  temperature: 'Temperature',
  topP: 'Top-p',
  maxOutputTokens: 'Max output tokens',
  reasoning: 'Reasoning',
}

/**
 * The same, one plain English sentence per problem: the settings store refuses a save with these, and the form
 * shows them (or its own language's words).
 */
export function parameterProblems(parameters: Record<string, unknown>): string[] {
  return parameterIssues(parameters).map((issue) => {
    if (issue.name === 'reasoning') return 'Reasoning must be off, low, medium or high.'
    const kind = issue.integer ? 'a whole number' : 'a number'
    const range = `${issue.min.toLocaleString('en-US')} to ${issue.max.toLocaleString('en-US')}`
    return `${PARAMETER_LABELS[issue.name]} must be ${kind} from ${range}.`
  })
}

/**
 * The parameters in effect for one model: its own overrides over the app-wide defaults, field by field. A model
 * that cannot reason never gets a reasoning request.
 */
export function effectiveParameters(
  defaults: GenerationParameters | undefined,
  overrides: GenerationParameters | undefined,
  options: { canReason: boolean; defaultMaxOutputTokens?: number },
): GenerationParameters {
  const merged: GenerationParameters = { ...defaults, ...overrides }
  if (!options.canReason) delete merged.reasoning
  if (merged.maxOutputTokens === undefined && options.defaultMaxOutputTokens !== undefined)
    merged.maxOutputTokens = options.defaultMaxOutputTokens
  return merged
}
