import { describe, expect, it } from 'vitest'
import { topicMatchesFilter } from '../../../src-main/core/mqtt/mqtt-session'

// The session dispatches every received message by its subscriptions' filters (see MqttSession.renew).
describe('MQTT topic filter matching', () => {
  it.each([
    ['streamdesk/us-east-1:abc/s1', 'streamdesk/us-east-1:abc/+', true],
    ['streamdesk/us-east-1:abc/control/s1', 'streamdesk/us-east-1:abc/+', false],
    ['streamdesk/us-east-1:abc', 'streamdesk/us-east-1:abc/+', false],
    ['streamdesk/other/s1', 'streamdesk/us-east-1:abc/+', false],
    ['streamdesk/us-east-1:abc/control/s1', 'streamdesk/us-east-1:abc/control/s1', true],
    ['a/b/c', 'a/#', true],
    ['a', 'a/#', true],
    ['a/b', '#', true],
    ['a//c', 'a/+/c', true],
    ['$SYS/broker/uptime', '#', false],
    ['$SYS/broker/uptime', '$SYS/#', true],
  ])('%s against %s: %s', (topic, filter, matches) => {
    expect(topicMatchesFilter(topic, filter)).toBe(matches)
  })
})
