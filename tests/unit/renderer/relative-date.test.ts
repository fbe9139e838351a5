import { describe, expect, it } from 'vitest'
import { formatRelativeDate } from '../../../src-renderer/src/format/relative-date'
import { en } from '../../../src-renderer/src/i18n/en'

// Local times, so the calendar-day rules hold in whatever time zone the tests run.
const at = (year: number, month: number, day: number, hour = 12, minute = 0) =>
  new Date(year, month - 1, day, hour, minute).getTime()
const NOW = at(2024, 5, 15, 14, 30) // a Wednesday

describe('formatRelativeDate', () => {
  it('says "just now" within a minute, and for times in the future', () => {
    expect(formatRelativeDate(NOW - 59_000, NOW, en)).toBe('just now')
    expect(formatRelativeDate(NOW + 3_600_000, NOW, en)).toBe('just now')
  })

  it('counts minutes within the hour, then hours on the same day', () => {
    expect(formatRelativeDate(NOW - 60_000, NOW, en)).toBe('1 min ago')
    expect(formatRelativeDate(NOW - 59 * 60_000, NOW, en)).toBe('59 min ago')
    expect(formatRelativeDate(at(2024, 5, 15, 11, 0), NOW, en)).toBe('3 h ago')
    expect(formatRelativeDate(at(2024, 5, 15, 0, 5), NOW, en)).toBe('14 h ago')
  })

  it('says "yesterday" for the previous calendar day, however few hours ago', () => {
    expect(formatRelativeDate(at(2024, 5, 14, 23, 0), NOW, en)).toBe('yesterday')
    expect(formatRelativeDate(at(2024, 5, 14, 0, 1), NOW, en)).toBe('yesterday')
    // Still minutes when that is what it was, across midnight.
    expect(formatRelativeDate(at(2024, 5, 15, 23, 50), at(2024, 5, 16, 0, 10), en)).toBe('20 min ago')
  })

  it('names the weekday within the last week, then the date, with the year only when it differs', () => {
    expect(formatRelativeDate(at(2024, 5, 13), NOW, en)).toBe('Monday')
    expect(formatRelativeDate(at(2024, 5, 9), NOW, en)).toBe('Thursday')
    expect(formatRelativeDate(at(2024, 5, 8), NOW, en)).toBe('May 8')
    expect(formatRelativeDate(at(2024, 1, 2), NOW, en)).toBe('Jan 2')
    expect(formatRelativeDate(at(2023, 12, 31), NOW, en)).toBe('Dec 31, 2023')
  })
})
