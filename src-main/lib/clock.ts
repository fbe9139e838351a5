/** Time and timers, injected so that tests drive time instead of waiting for it. */
export interface Clock {
  now(): number
  setTimeout(callback: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

export type TimerHandle = unknown

/**
 * Wall time: stored timestamps, token `exp` claims and credential expirations are wall-clock times, and a
 * monotonic clock stands still while the computer sleeps (after a night asleep it would call expired credentials
 * fresh). Latency measurements use `performance.now()` directly.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
