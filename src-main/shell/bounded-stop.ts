/**
 * Quitting waits for the core to stop (broker, MQTT clients, history) but not for ever: a stop that never settles
 * would leave the process running with its windows and tray already gone. No `electron` here, so Node tests drive it.
 */
export const STOP_TIMEOUT_MS = 5_000

export type StopOutcome<T = void> =
  { outcome: 'stopped'; value: T } | { outcome: 'failed'; error: unknown } | { outcome: 'timed-out' }

/** Runs `stop` and settles when it does, or with 'timed-out' after `timeoutMs`, whichever comes first. */
export function stopWithin<T>(stop: () => Promise<T>, timeoutMs = STOP_TIMEOUT_MS): Promise<StopOutcome<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ outcome: 'timed-out' }), timeoutMs)
    const settle = (result: StopOutcome<T>) => {
      clearTimeout(timer)
      resolve(result)
    }
    try {
      stop().then(
        (value) => settle({ outcome: 'stopped', value }),
        (error: unknown) => settle({ outcome: 'failed', error }),
      )
    } catch (error) {
      settle({ outcome: 'failed', error })
    }
  })
}
