/**
 * Quitting waits for the core to stop (broker, MQTT clients, history) but not for ever: a stop that never settles
 * would leave the process running with its windows and tray already gone. No `electron` here, so Node tests drive it.
 */
export const STOP_TIMEOUT_MS = 5_000

export type StopOutcome = { outcome: 'stopped' } | { outcome: 'failed'; error: unknown } | { outcome: 'timed-out' }

/** Runs `stop` and settles when it does, or with 'timed-out' after `timeoutMs`, whichever comes first. */
export function stopWithin(stop: () => Promise<void>, timeoutMs = STOP_TIMEOUT_MS): Promise<StopOutcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ outcome: 'timed-out' }), timeoutMs)
    const settle = (result: StopOutcome) => {
      clearTimeout(timer)
      resolve(result)
    }
    try {
      stop().then(
        () => settle({ outcome: 'stopped' }),
        (error: unknown) => settle({ outcome: 'failed', error }),
      )
    } catch (error) {
      settle({ outcome: 'failed', error })
    }
  })
}
