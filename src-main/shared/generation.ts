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

/**
 * What is wrong with a set of parameters, one plain sentence per problem; empty when they are fine. Used by the
 * settings store (which refuses to save them) and the settings form (which shows the sentences by the fields).
 */
export function parameterProblems(parameters: Record<string, unknown>): string[] {
  const problems: string[] = []
  const range = (name: 'temperature' | 'topP' | 'maxOutputTokens', label: string, integer = false): void => {
    const value = parameters[name]
    if (value === undefined) return
    const { min, max } = PARAMETER_LIMITS[name]
    const ok = typeof value === 'number' && Number.isFinite(value) && (!integer || Number.isInteger(value))
    if (!ok || (value as number) < min || (value as number) > max) {
      const kind = integer ? 'a whole number' : 'a number'
      problems.push(`${label} must be ${kind} from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}.`)
    }
  }
  range('temperature', 'Temperature')
  range('topP', 'Top-p')
  range('maxOutputTokens', 'Max output tokens', true)
  const reasoning = parameters.reasoning
  if (reasoning !== undefined && !REASONING_EFFORTS.includes(reasoning as ReasoningEffort))
    problems.push('Reasoning must be off, low, medium or high.')
  return problems
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
