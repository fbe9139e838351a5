/**
 * AWS IoT Core ends a SigV4-signed WebSocket connection after 24 hours. Rather than lose the link at a random
 * moment, the session is renewed (new WebSocket, fresh credentials, same persistent session) well before: 23 hours
 * after the connection came up. Any reconnect is a new WebSocket, so every 'connected' restarts the count.
 */
import type { Clock, TimerHandle } from '../../lib/clock'
import type { MqttSession } from '../mqtt/mqtt-session'
import { silentLog, type CloudLog } from './cloud-log'

export const IOT_WEBSOCKET_RENEW_AFTER_MS = 23 * 3_600_000
const RETRY_AFTER_MS = 60_000

export type RenewableSession = Pick<MqttSession, 'on' | 'renew'>

export interface ConnectionRenewalOptions {
  clock: Clock
  renewAfterMs?: number
  /** After a failed renewal, the next attempt waits this long. */
  retryAfterMs?: number
  log?: CloudLog
}

/** Keeps renewing the session while it lives; returns the function that stops it. */
export function keepConnectionRenewed(session: RenewableSession, options: ConnectionRenewalOptions): () => void {
  const { clock } = options
  const renewAfterMs = options.renewAfterMs ?? IOT_WEBSOCKET_RENEW_AFTER_MS
  const retryAfterMs = options.retryAfterMs ?? RETRY_AFTER_MS
  const log = options.log ?? silentLog
  let timer: TimerHandle | undefined
  let stopped = false

  const cancel = () => {
    if (timer !== undefined) clock.clearTimeout(timer)
    timer = undefined
  }
  const arm = (delayMs: number) => {
    cancel()
    if (stopped) return
    timer = clock.setTimeout(() => {
      timer = undefined
      log('mqtt-renewing')
      session.renew().catch((error: unknown) => {
        log('mqtt-renew-failed', { error: error instanceof Error ? error.name : 'Error' })
        arm(retryAfterMs)
      })
    }, delayMs)
  }

  const stop = () => {
    stopped = true
    cancel()
    unsubscribe()
  }
  const unsubscribe = session.on('status', (status) => {
    if (status === 'connected') arm(renewAfterMs)
    if (status === 'closed') stop()
  })
  return stop
}
