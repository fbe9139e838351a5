import { describe, expect, it } from 'vitest'
import { groupByDate } from '../../../src-renderer/src/format/date-groups'
import { en } from '../../../src-renderer/src/i18n/en'
import { ja } from '../../../src-renderer/src/i18n/ja'

// Local times, so the calendar-day rules hold in whatever time zone the tests run.
const at = (year: number, month: number, day: number, hour = 12) => new Date(year, month - 1, day, hour).getTime()
const NOW = at(2024, 5, 15, 14)
const conversation = (id: string, updatedAt: number, pinned = false) => ({ id, updatedAt, pinned })
const summary = (groups: ReturnType<typeof groupByDate<ReturnType<typeof conversation>>>) =>
  groups.map((group) => [group.label, group.items.map((item) => item.id)])

describe('groupByDate', () => {
  it('heads pinned, today, yesterday, the previous 7 and 30 days, then each month, keeping main order', () => {
    const list = [
      conversation('pinned-old', at(2023, 1, 1), true),
      conversation('pinned-new', at(2024, 5, 15), true),
      conversation('future', NOW + 3_600_000),
      conversation('morning', at(2024, 5, 15, 0)),
      conversation('late-yesterday', at(2024, 5, 14, 23)),
      conversation('early-yesterday', at(2024, 5, 14, 0)),
      conversation('two-days', at(2024, 5, 13)),
      conversation('seven-days', at(2024, 5, 8)),
      conversation('eight-days', at(2024, 5, 7)),
      conversation('thirty-days', at(2024, 4, 15)),
      conversation('april', at(2024, 4, 14)),
      conversation('april-1', at(2024, 4, 1)),
      conversation('march', at(2024, 3, 31)),
      conversation('last-year', at(2023, 12, 31)),
    ]
    expect(summary(groupByDate(list, NOW, en))).toEqual([
      ['Pinned', ['pinned-old', 'pinned-new']],
      ['Today', ['future', 'morning']],
      ['Yesterday', ['late-yesterday', 'early-yesterday']],
      ['Previous 7 days', ['two-days', 'seven-days']],
      ['Previous 30 days', ['eight-days', 'thirty-days']],
      ['April 2024', ['april', 'april-1']],
      ['March 2024', ['march']],
      ['December 2023', ['last-year']],
    ])
  })

  it('keys groups the same in every language, and labels them in the UI language', () => {
    const list = [conversation('a', at(2024, 5, 15)), conversation('b', at(2024, 2, 3))]
    const english = groupByDate(list, NOW, en)
    const japanese = groupByDate(list, NOW, ja)
    expect(japanese.map((group) => group.key)).toEqual(english.map((group) => group.key))
    expect(english.map((group) => group.key)).toEqual(['today', '2024-02'])
    expect(japanese.map((group) => group.label)).toEqual(['今日', '2024年2月'])
  })

  it('has no groups for no conversations', () => {
    expect(groupByDate([], NOW, en)).toEqual([])
  })
})
