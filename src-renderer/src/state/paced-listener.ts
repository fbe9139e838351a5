/**
 * A column scrolled out of view (with 5 to 8 models most are off to the side) still takes its text, but
 * re-rendering it every frame buys nothing anyone sees while costing as much as a visible one's markdown and DOM
 * work. Its listener is therefore told at most once per `intervalMs`, except that a change of what the column
 * says about itself (its status, a stall, its end or error) is told at once, so an ending shows without delay.
 */
import type { ColumnSnapshot } from './stream-store'

export interface Timers {
  setTimeout(run: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const browserTimers: Timers = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** Wraps `listener` for a column out of view; `read` gives the column's current snapshot. */
export function pacedListener(
  listener: () => void,
  read: () => ColumnSnapshot | undefined,
  intervalMs: number,
  timers: Timers = browserTimers,
): { notify(): void; dispose(): void } {
  let told = read()
  let timer: unknown
  const tell = () => {
    if (timer !== undefined) timers.clearTimeout(timer)
    timer = undefined
    told = read()
    listener()
  }
  return {
    notify() {
      const now = read()
      if (!sameState(told, now)) tell()
      else timer ??= timers.setTimeout(tell, intervalMs)
    },
    dispose() {
      if (timer !== undefined) timers.clearTimeout(timer)
      timer = undefined
    },
  }
}

function sameState(a: ColumnSnapshot | undefined, b: ColumnSnapshot | undefined): boolean {
  return (
    a?.status === b?.status &&
    a?.stalled === b?.stalled &&
    a?.end === b?.end &&
    a?.error === b?.error &&
    (a?.text === '') === (b?.text === '')
  )
}
