/**
 * What a column says about an answer beyond its text: why it stopped, how long it thought, how fast it was. Pure
 * functions over the shared AnswerEnd shapes (live or from history alike), so the words and figures are tested
 * without a DOM; the strings come in as an argument, so English and Japanese go through the same code.
 */
import type { AnswerEndDetails, AnswerMetrics, AnswerStatus, QuotaExceeded } from '../../../src-main/shared/answer'
import type { Strings } from '../i18n/en'

/** Why an answer stopped, in plain words; undefined when there is nothing to say beyond its status ("Done"). */
export function stopMessage(status: AnswerStatus, end: AnswerEndDetails | undefined, t: Strings): string | undefined {
  const reason = end?.stopReason
  if (status === 'stopped' || reason === 'user') return t.stopReason.user
  if (status !== 'complete') return undefined
  switch (reason) {
    case 'max-tokens':
    case 'content-filter':
    case 'guardrail':
    case 'stop-sequence':
      return t.stopReason[reason]
    case 'tool-call':
      return t.stopReason.toolCall((end?.toolNames ?? []).join(', '))
    case 'other':
      return t.stopReason.other(end?.rawStopReason ?? '')
    default:
      return undefined
  }
}

/** The spend guard's refusal in the app's language: which budget, its size, when it resets (UTC). */
export function quotaMessage(quota: QuotaExceeded, t: Strings): string {
  const limit = quota.limit.toLocaleString(t.locale)
  if (quota.requested !== undefined && quota.kind !== 'concurrent-streams')
    return t.quota.tooLarge(
      quota.requested.toLocaleString(t.locale),
      quota.kind === 'daily-tokens' ? 'daily' : 'monthly',
      limit,
    )
  switch (quota.kind) {
    case 'daily-tokens':
      return t.quota.dailyTokens(limit)
    case 'monthly-tokens':
      return t.quota.monthlyTokens(limit, new Date(quota.resetsAt ?? 0).toISOString().slice(0, 10))
    case 'concurrent-streams':
      return t.quota.concurrentStreams(limit)
  }
}

/** The stop reasons worth a warning colour: the answer is not what the model would have said in full. */
export function isCutShort(end: AnswerEndDetails | undefined): boolean {
  const reason = end?.stopReason
  return reason === 'max-tokens' || reason === 'content-filter' || reason === 'guardrail' || reason === 'other'
}

/**
 * How long the model thought: the backend's timings when it gave both (they are taken where the bytes arrive),
 * else what the renderer measured from the updates. A span of zero says nothing of it (the reasoning came with the
 * text, as in a continued answer, whose reasoning is the cut answer's and whose timings are the continuation's):
 * undefined then, so no "Thought for 0 s" is shown.
 */
export function thinkingMs(metrics: AnswerMetrics | undefined, measuredMs?: number): number | undefined {
  const { firstTokenMs, firstAnswerTokenMs } = metrics ?? {}
  if (firstTokenMs !== undefined && firstAnswerTokenMs !== undefined && firstAnswerTokenMs > firstTokenMs) {
    return firstAnswerTokenMs - firstTokenMs
  }
  return measuredMs === 0 ? undefined : measuredMs
}

/** Output tokens per second from the first token to the last byte; undefined when a figure is missing. */
export function tokensPerSecond(metrics: AnswerMetrics | undefined): number | undefined {
  const { outputTokens, durationMs, firstTokenMs } = metrics ?? {}
  if (outputTokens === undefined || durationMs === undefined || firstTokenMs === undefined) return undefined
  const span = durationMs - firstTokenMs
  if (!(span > 0)) return undefined
  return outputTokens / (span / 1000)
}

/** "850 ms", "2.4 s", "75 s", "2 min 5 s": precise where it matters, short where it does not. */
export function formatDuration(ms: number, t: Strings): string {
  const whole = (n: number, digits: number) =>
    n.toLocaleString(t.locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 })
  if (ms < 1000) return t.metrics.ms(whole(Math.round(ms), 0))
  const seconds = ms / 1000
  if (seconds < 60) return t.metrics.seconds(whole(seconds, seconds < 10 ? 1 : 0))
  const minutes = Math.floor(seconds / 60)
  return t.metrics.minutes(whole(minutes, 0), whole(Math.round(seconds - minutes * 60), 0))
}

export function formatRate(perSecond: number, t: Strings): string {
  return t.metrics.perSecond(perSecond.toLocaleString(t.locale, { maximumFractionDigits: perSecond < 10 ? 1 : 0 }))
}

/**
 * An estimated cost in US dollars: "$0.0123" below a dollar (an answer costs fractions of a cent, so four decimals),
 * "$1.25" above, "< $0.0001" for a cost too small to show, "$0" for a free model.
 */
export function formatCost(usd: number, t: Strings): string {
  const amount = (n: number, digits: number) =>
    n.toLocaleString(t.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits })
  if (usd === 0) return t.metrics.usd(amount(0, 0))
  if (usd < 0.0001) return t.metrics.underUsd(amount(0.0001, 4))
  return t.metrics.usd(amount(usd, usd < 1 ? 4 : 2))
}

/** One line of the footer: a label and its value, a dash when unknown. */
export interface MetricItem {
  key: 'firstToken' | 'firstAnswerToken' | 'speed' | 'duration' | 'input' | 'output' | 'reasoning' | 'cost'
  label: string
  value: string
}

/**
 * The footer's figures. Time to first answer token only when the model reasoned first (otherwise it is the first
 * token); reasoning tokens only when the provider counted them. Cost is the app's estimate when the answer ended
 * (AnswerEnd.costUsd), a dash without a price.
 */
export function metricItems(metrics: AnswerMetrics | undefined, t: Strings, costUsd?: number): MetricItem[] {
  const m = metrics ?? {}
  const dash = t.metrics.unknown
  const ms = (value: number | undefined) => (value === undefined ? dash : formatDuration(value, t))
  const count = (value: number | undefined) => (value === undefined ? dash : value.toLocaleString(t.locale))
  const speed = tokensPerSecond(m)
  const items: MetricItem[] = [{ key: 'firstToken', label: t.metrics.firstToken, value: ms(m.firstTokenMs) }]
  if (m.firstAnswerTokenMs !== undefined && m.firstAnswerTokenMs !== m.firstTokenMs) {
    items.push({ key: 'firstAnswerToken', label: t.metrics.firstAnswerToken, value: ms(m.firstAnswerTokenMs) })
  }
  items.push(
    { key: 'speed', label: t.metrics.speed, value: speed === undefined ? dash : formatRate(speed, t) },
    { key: 'duration', label: t.metrics.duration, value: ms(m.durationMs) },
    { key: 'input', label: t.metrics.input, value: count(m.inputTokens) },
    { key: 'output', label: t.metrics.output, value: count(m.outputTokens) },
  )
  if (m.reasoningTokens !== undefined) {
    items.push({ key: 'reasoning', label: t.metrics.reasoning, value: count(m.reasoningTokens) })
  }
  items.push({ key: 'cost', label: t.metrics.cost, value: costUsd === undefined ? dash : formatCost(costUsd, t) })
  return items
}

/** The metrics an answer ended with: the end's own, else the token counts of its usage (older backends). */
export function answerMetrics(
  end: AnswerEndDetails | undefined,
  usage: AnswerMetrics | undefined,
): AnswerMetrics | undefined {
  if (!end?.metrics && !usage) return undefined
  return { ...usage, ...end?.metrics }
}

/** Which column of an exchange leads on each figure; a figure only has a leader when ≥ 2 columns have it. */
export interface Leaders {
  firstToken?: string
  speed?: string
  cheapest?: string
}

export function exchangeLeaders(
  columns: ReadonlyArray<{ modelId: string; metrics?: AnswerMetrics | undefined; costUsd?: number | undefined }>,
): Leaders {
  const best = (figure: (column: (typeof columns)[number]) => number | undefined, lowerIsBetter: boolean) => {
    const known = columns.flatMap((column) => {
      const value = figure(column)
      return value === undefined ? [] : [{ modelId: column.modelId, value }]
    })
    if (known.length < 2) return undefined
    return known.reduce((a, b) => ((lowerIsBetter ? b.value < a.value : b.value > a.value) ? b : a)).modelId
  }
  const firstToken = best(({ metrics }) => metrics?.firstTokenMs, true)
  const speed = best(({ metrics }) => tokensPerSecond(metrics), false)
  const cheapest = best(({ costUsd }) => costUsd, true)
  return { ...(firstToken && { firstToken }), ...(speed && { speed }), ...(cheapest && { cheapest }) }
}
