import { performance } from 'node:perf_hooks'

/**
 * The longest time the event loop was held while `work` ran, and how long the work took, in ms: a 1 ms timer notes
 * the gap between its turns (work that is synchronous throughout shows as one gap as long as itself).
 */
export async function longestStall(work: () => unknown): Promise<{ stallMs: number; totalMs: number }> {
  let last = performance.now()
  let longest = 0
  const probe = setInterval(() => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
  }, 1)
  await new Promise((resolve) => setTimeout(resolve, 5))
  last = performance.now()
  const started = performance.now()
  await work()
  const totalMs = performance.now() - started
  // The turn after the work ends the last gap.
  await new Promise((resolve) => setTimeout(resolve, 5))
  clearInterval(probe)
  return { stallMs: longest, totalMs }
}
