/**
 * requestAnimationFrame, with a timer as a backstop: a hidden or occluded window may not paint for a long time,
 * and the streamed text should still land (and the store not hold every delta until it does).
 */
import type { FrameScheduler } from './stream-store'

export function animationFrameScheduler(backstopMs = 250): FrameScheduler {
  return (flush) => {
    let done = false
    const runOnce = () => {
      if (done) return
      done = true
      cancelAnimationFrame(frame)
      clearTimeout(timer)
      flush()
    }
    const frame = requestAnimationFrame(runOnce)
    const timer = setTimeout(runOnce, backstopMs)
  }
}
