import { describe, expect, it } from 'vitest'
import { keepConnectionRenewed, IOT_WEBSOCKET_RENEW_AFTER_MS } from '../../../src-main/core/cloud/connection-renewal'
import { TypedEmitter } from '../../../src-main/lib/typed-emitter'
import type { MqttSessionEvents } from '../../../src-main/core/mqtt/mqtt-session'
import { ManualClock } from '../../support/manual-clock'
import { settle } from './cloud-fixtures'

const HOUR = 3_600_000

/** Stands in for the session's status events and counts renewals; `failNext` makes the next renewal fail. */
function fakeSession() {
  const events = new TypedEmitter<MqttSessionEvents>()
  const state = { renewals: 0, failNext: false }
  const session = Object.assign(events, {
    async renew() {
      state.renewals += 1
      if (state.failNext) {
        state.failNext = false
        events.emit('status', 'failed', 'offline')
        throw new Error('MQTT connect failed')
      }
      events.emit('status', 'connected')
    },
  })
  return { session, state }
}

describe('renewing the IoT WebSocket before 24 hours', () => {
  it('renews 23 hours after the connection came up, and again 23 hours after that', async () => {
    expect(IOT_WEBSOCKET_RENEW_AFTER_MS).toBe(23 * HOUR)
    const clock = new ManualClock()
    const { session, state } = fakeSession()
    const stop = keepConnectionRenewed(session, { clock })
    session.emit('status', 'connected')
    clock.advance(23 * HOUR - 1)
    expect(state.renewals).toBe(0)
    clock.advance(1)
    await settle()
    expect(state.renewals).toBe(1)
    clock.advance(23 * HOUR)
    await settle()
    expect(state.renewals).toBe(2)
    stop()
    expect(clock.pendingTimers).toBe(0)
  })

  it('counts from the latest connect: aws-crt reconnects are new WebSockets too', async () => {
    const clock = new ManualClock()
    const { session, state } = fakeSession()
    keepConnectionRenewed(session, { clock })
    session.emit('status', 'connected')
    clock.advance(20 * HOUR)
    session.emit('status', 'interrupted')
    session.emit('status', 'connected')
    clock.advance(22 * HOUR)
    await settle()
    expect(state.renewals).toBe(0)
    clock.advance(HOUR)
    await settle()
    expect(state.renewals).toBe(1)
  })

  it('retries a failed renewal a minute later', async () => {
    const clock = new ManualClock()
    const { session, state } = fakeSession()
    const logged: string[] = []
    keepConnectionRenewed(session, { clock, log: (event) => logged.push(event) })
    session.emit('status', 'connected')
    state.failNext = true
    clock.advance(23 * HOUR)
    await settle()
    expect(state.renewals).toBe(1)
    clock.advance(60_000)
    await settle()
    expect(state.renewals).toBe(2)
    expect(logged).toEqual(['mqtt-renewing', 'mqtt-renew-failed', 'mqtt-renewing'])
  })

  it('stops when the session closes', () => {
    const clock = new ManualClock()
    const { session, state } = fakeSession()
    keepConnectionRenewed(session, { clock })
    session.emit('status', 'connected')
    session.emit('status', 'closed')
    expect(clock.pendingTimers).toBe(0)
    clock.advance(48 * HOUR)
    expect(state.renewals).toBe(0)
  })
})
