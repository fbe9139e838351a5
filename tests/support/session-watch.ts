import { performance } from 'node:perf_hooks'
import type { MqttSession, SessionStatus } from '../../src-main/core/mqtt/mqtt-session'

export interface StatusEvent {
  status: SessionStatus
  detail?: string
  /** performance.now() when it was emitted. */
  at: number
}

/** Records an MQTT session's status events with their times, and waits for one after a given moment. */
export function watchSession(session: MqttSession) {
  const events: StatusEvent[] = []
  const waiters = new Set<() => void>()
  session.on('status', (status, detail) => {
    events.push({ status, ...(detail !== undefined ? { detail } : {}), at: performance.now() })
    for (const wake of [...waiters]) wake()
  })

  /** The first `status` event at or after `since` (performance.now()); rejects after `timeoutMs`. */
  function next(status: SessionStatus, since: number, timeoutMs: number): Promise<StatusEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = events.find((e) => e.status === status && e.at >= since)
        if (!found) return
        waiters.delete(check)
        clearTimeout(timer)
        resolve(found)
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        const seen = events
          .filter((e) => e.at >= since)
          .map((e) => `${e.status}${e.detail ? ` (${e.detail})` : ''} at +${Math.round(e.at - since)} ms`)
        reject(new Error(`session not '${status}' within ${timeoutMs} ms; seen: ${seen.join(', ') || 'nothing'}`))
      }, timeoutMs)
      waiters.add(check)
      check()
    })
  }

  return { events, next }
}
