import { describe, expect, it } from 'vitest'
import { dueActions, type TimedAnswer, type TimerLimits } from '../../../src-main/core/chat/stream-timers'

const local: TimerLimits = { stopGraceMs: 5_000, silenceTimeoutMs: 150_000, gapTimeoutMs: 5_000, recoverable: false }
const cloud: TimerLimits = { ...local, recoverable: true }

/** An answer streaming since time 0 and heard at 0, with nothing else going on unless said. */
const answer = (state: Partial<TimedAnswer> = {}): TimedAnswer => ({
  status: 'streaming',
  lastHeardAt: 0,
  stopRequestedAt: undefined,
  recovering: false,
  resumedSince: undefined,
  gapOpenSince: undefined,
  ...state,
})

const due = (state: Partial<TimedAnswer>, now: number, limits = local) =>
  dueActions([answer(state)], now, limits).map(([, action]) => action)

describe('dueActions', () => {
  it('has nothing due for an answer heard recently with no gap, stop or resume', () => {
    expect(due({}, 149_999)).toEqual([])
    expect(due({}, 149_999, cloud)).toEqual([])
  })

  it('never times out a queued or ended answer, however long it has been silent', () => {
    for (const status of ['queued', 'complete', 'stopped', 'error', 'interrupted'] as const) {
      expect(due({ status, stopRequestedAt: 0, gapOpenSince: 0 }, 1_000_000, cloud)).toEqual([])
    }
  })

  it('ends a stopped answer locally once the grace for the backend to confirm is over', () => {
    expect(due({ stopRequestedAt: 1_000 }, 5_999)).toEqual([])
    expect(due({ stopRequestedAt: 1_000 }, 6_000)).toEqual(['end-stopped'])
    // Before anything else: silence, a gap, a recovery already going.
    expect(due({ stopRequestedAt: 1_000, recovering: true, gapOpenSince: 0 }, 200_000, cloud)).toEqual(['end-stopped'])
  })

  it('leaves an answer being recovered to its recovery', () => {
    expect(due({ recovering: true, gapOpenSince: 0 }, 200_000, cloud)).toEqual([])
  })

  it('recovers a resumed answer once its queued chunks had the gap timeout to arrive, and not before', () => {
    expect(due({ resumedSince: 10_000 }, 14_999, cloud)).toEqual([])
    expect(due({ resumedSince: 10_000 }, 15_000, cloud)).toEqual(['recover'])
    // Waiting for its queued chunks is neither silence nor a gap.
    expect(due({ resumedSince: 10_000, lastHeardAt: 0, gapOpenSince: 0 }, 14_999, cloud)).toEqual([])
  })

  it('times out a silent answer without a stored copy, and recovers it with one', () => {
    expect(due({ lastHeardAt: 1_000 }, 150_999)).toEqual([])
    expect(due({ lastHeardAt: 1_000 }, 151_000)).toEqual(['time-out'])
    expect(due({ lastHeardAt: 1_000 }, 151_000, cloud)).toEqual(['recover'])
    // Silence wins over a gap that is due too.
    expect(due({ lastHeardAt: 1_000, gapOpenSince: 1_000 }, 151_000)).toEqual(['time-out'])
  })

  it('stalls an answer whose gap stayed open, and recovers it where a copy is kept', () => {
    expect(due({ lastHeardAt: 3_000, gapOpenSince: 2_000 }, 6_999)).toEqual([])
    expect(due({ lastHeardAt: 3_000, gapOpenSince: 2_000 }, 7_000)).toEqual(['stalled'])
    expect(due({ lastHeardAt: 3_000, gapOpenSince: 2_000 }, 7_000, cloud)).toEqual(['stalled', 'recover'])
  })

  it('returns the answers it was given, in their order, each with its actions', () => {
    const silent = answer({ lastHeardAt: 0 })
    const fine = answer({ lastHeardAt: 199_000 })
    const gapped = answer({ lastHeardAt: 199_000, gapOpenSince: 190_000 })
    const stopping = answer({ lastHeardAt: 199_000, stopRequestedAt: 190_000 })
    const actions = dueActions([silent, fine, gapped, stopping], 200_000, cloud)
    expect(actions).toEqual([
      [silent, 'recover'],
      [gapped, 'stalled'],
      [gapped, 'recover'],
      [stopping, 'end-stopped'],
    ])
    expect(actions[0]![0]).toBe(silent)
    expect(actions[1]![0]).toBe(gapped)
  })
})
