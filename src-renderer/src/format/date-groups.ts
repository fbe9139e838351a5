/**
 * The sidebar's date groups, as chat apps head them: Pinned, Today, Yesterday, Previous 7 days, Previous 30 days,
 * then one group per month ("November 2026"). Calendar days are the local time zone's (see relative-date.ts).
 * Main lists pinned conversations first and the rest newest first, so each group is one run of the list.
 */
import type { Strings } from '../i18n/en'
import { calendarDaysBetween } from './relative-date'

type GroupStrings = Pick<Strings, 'locale' | 'dateGroups'>

export interface DateGroup<T> {
  /** Stable across renders and languages: 'pinned', 'today', …, or the month as 'YYYY-MM'. */
  key: string
  label: string
  items: T[]
}

interface Dated {
  pinned: boolean
  updatedAt: number
}

export function groupByDate<T extends Dated>(items: readonly T[], now: number, strings: GroupStrings): DateGroup<T>[] {
  const groups: DateGroup<T>[] = []
  for (const item of items) {
    const { key, label } = groupOf(item, now, strings)
    const last = groups.at(-1)
    if (last?.key === key) last.items.push(item)
    else groups.push({ key, label, items: [item] })
  }
  return groups
}

function groupOf({ pinned, updatedAt }: Dated, now: number, strings: GroupStrings): { key: string; label: string } {
  if (pinned) return { key: 'pinned', label: strings.dateGroups.pinned }
  // A time in the future (a clock that moved back) counts as today.
  const days = Math.max(0, calendarDaysBetween(updatedAt, now))
  if (days === 0) return { key: 'today', label: strings.dateGroups.today }
  if (days === 1) return { key: 'yesterday', label: strings.dateGroups.yesterday }
  if (days <= 7) return { key: 'week', label: strings.dateGroups.previous7Days }
  if (days <= 30) return { key: 'month', label: strings.dateGroups.previous30Days }
  const at = new Date(updatedAt)
  return {
    key: `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, '0')}`,
    label: new Intl.DateTimeFormat(strings.locale, { year: 'numeric', month: 'long' }).format(at),
  }
}
