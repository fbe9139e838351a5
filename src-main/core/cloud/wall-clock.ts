import { systemClock, type Clock } from '../../lib/clock'

/**
 * The clock cloud mode compares expiry times with. Token `exp` claims and credential expirations are wall-clock
 * times, but `systemClock.now()` runs on the monotonic clock, which stands still while the computer sleeps: after
 * a night asleep it would call expired credentials fresh. Timers stay on the system clock.
 */
export const wallClock: Clock = { ...systemClock, now: () => Date.now() }
