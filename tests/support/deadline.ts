/**
 * Deadlines for outcomes, not measures of speed: a test waits this long for something that must happen (a stop
 * taking effect, a reconnect) and fails with a message saying what did not. Generous, so a loaded 2-core machine
 * still meets them; how fast things really are is `npm run bench`'s business.
 */
export const OUTCOME_DEADLINE_MS = 15_000

export async function withinDeadline<T>(promise: Promise<T>, what: string, ms = OUTCOME_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/** Options for `vi.waitFor` (its default 1 s is a speed limit a loaded machine misses). */
export const OUTCOME_WAIT = { timeout: OUTCOME_DEADLINE_MS, interval: 50 }
