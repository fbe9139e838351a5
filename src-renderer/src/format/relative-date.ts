/**
 * When a conversation was last active, the way a list says it: "just now", "12 min ago", "3 h ago" (today),
 * "yesterday", a weekday within the last week, then a date ("Mar 10"; with the year when it is not this year).
 * Calendar days are the local time zone's. A time in the future (a clock that moved back) reads "just now".
 */
import type { Strings } from '../i18n/en'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

type DateStrings = Pick<Strings, 'locale' | 'date'>

export function formatRelativeDate(at: number, now: number, strings: DateStrings): string {
  const elapsed = now - at
  if (elapsed < MINUTE) return strings.date.justNow
  if (elapsed < HOUR) return strings.date.minutesAgo(Math.floor(elapsed / MINUTE))
  const days = calendarDaysBetween(at, now)
  if (days === 0) return strings.date.hoursAgo(Math.floor(elapsed / HOUR))
  if (days === 1) return strings.date.yesterday
  if (days < 7) return new Intl.DateTimeFormat(strings.locale, { weekday: 'long' }).format(at)
  const sameYear = new Date(at).getFullYear() === new Date(now).getFullYear()
  return new Intl.DateTimeFormat(strings.locale, {
    month: 'short',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
  }).format(at)
}

/** The full date and time, for a tooltip. */
export function formatFullDate(at: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(at)
}

/** Whole local calendar days from `from` to `to` (0: the same day), across daylight-saving changes. */
export function calendarDaysBetween(from: number, to: number): number {
  const a = new Date(from)
  const b = new Date(to)
  const dayA = Date.UTC(a.getFullYear(), a.getMonth(), a.getDate())
  const dayB = Date.UTC(b.getFullYear(), b.getMonth(), b.getDate())
  return Math.round((dayB - dayA) / (24 * HOUR))
}
