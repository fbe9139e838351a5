import { describe, expect, it } from 'vitest'
import {
  announcedText,
  announcementTopic,
  decodeAnnouncement,
  encodeAnnouncement,
  MAX_ANNOUNCED_TEXT,
  userAnnouncementsFilter,
  type StreamAnnouncement,
} from '../../../src-main/protocol/stream-announcement'
import { MAX_PAYLOAD_BYTES } from '../../../src-main/protocol/stream-protocol'

const USER = 'us-east-1:11111111-2222-3333-4444-555555555555'
const expected = { prefix: 'streamdesk', userId: USER }
const announcement: StreamAnnouncement = {
  v: 1,
  streamId: 's1',
  conversationId: 'c1',
  deviceId: '0123456789abcdef',
  prompt: 'Hello 😀',
  systemPrompt: 'Be brief.',
  models: ['claude', 'nova'],
  at: 1_765_000_000_000,
}
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value))
const decode = (value: unknown, topic = announcementTopic('streamdesk', USER, 's1')) =>
  decodeAnnouncement(topic, bytes(value), expected)

describe('stream announcements', () => {
  it('live on a four-level topic that the stream filter <prefix>/<userId>/+ never matches', () => {
    expect(announcementTopic('streamdesk', USER, 's1')).toBe(`streamdesk/${USER}/announce/s1`)
    expect(userAnnouncementsFilter('streamdesk', USER)).toBe(`streamdesk/${USER}/announce/+`)
  })

  it('round-trip', () => {
    expect(decode(encodeAnnouncement(announcement))).toEqual({ ok: true, announcement })
  })

  it.each([
    ['another user', announcementTopic('streamdesk', 'us-east-1:someone-else', 's1')],
    ['another prefix', announcementTopic('other', USER, 's1')],
    ['a stream topic', `streamdesk/${USER}/s1`],
    ['a control topic', `streamdesk/${USER}/control/s1`],
    ['another stream than the payload', announcementTopic('streamdesk', USER, 's2')],
  ])('refuses a message on %s as a foreign topic', (_, topic) => {
    expect(decode(announcement, topic)).toEqual({ ok: false, reason: 'announcement-foreign-topic' })
  })

  it.each([
    ['not JSON', '{"v":1'],
    ['an unknown version', { ...announcement, v: 2 }],
    ['an unknown field', { ...announcement, userId: USER }],
    ['a prototype key', JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(announcement).slice(1)}`) as unknown],
    ['a malformed device id', { ...announcement, deviceId: 'ABCDEF0123456789' }],
    ['a model id with a topic wildcard', { ...announcement, models: ['claude/#'] }],
    ['nine models', { ...announcement, models: Array.from({ length: 9 }, (_, i) => `m${i}`) }],
    ['the same model twice', { ...announcement, models: ['claude', 'claude'] }],
    ['no models', { ...announcement, models: [] }],
    ['a prompt over the cap', { ...announcement, prompt: 'x'.repeat(MAX_ANNOUNCED_TEXT + 1) }],
  ])('drops %s as invalid', (_, value) => {
    expect(decode(value)).toEqual({ ok: false, reason: 'announcement-invalid' })
  })

  it('v2 names the turn a Regenerate or Continue is an attempt at, for one model; v1 stays strict', () => {
    const attempt: StreamAnnouncement = {
      ...announcement,
      v: 2,
      models: ['claude'],
      attempt: { turnStreamId: 't1', continues: 'a2' },
    }
    expect(decode(encodeAnnouncement(attempt))).toEqual({ ok: true, announcement: attempt })
    const regenerate = { ...attempt, attempt: { turnStreamId: 't1' } }
    expect(decode(regenerate)).toEqual({ ok: true, announcement: regenerate })
    for (const bad of [
      { ...announcement, attempt: { turnStreamId: 't1' } }, // a new field is a new version
      { ...attempt, models: ['claude', 'nova'] }, // an attempt is one model's
      { ...attempt, attempt: undefined },
      { ...attempt, attempt: { turnStreamId: 't1', extra: true } },
      { ...attempt, attempt: { turnStreamId: '../t1' } },
      { ...attempt, v: 3 },
    ])
      expect(decode(bad)).toEqual({ ok: false, reason: 'announcement-invalid' })
  })

  it('drops an oversized payload before parsing it', () => {
    const huge = JSON.stringify({ ...announcement, prompt: 'x'.repeat(MAX_PAYLOAD_BYTES) })
    expect(decode(huge)).toEqual({ ok: false, reason: 'announcement-oversized' })
  })

  it('cuts a long prompt to the cap, never inside a surrogate pair', () => {
    expect(announcedText('short')).toBe('short')
    const even = 'a'.repeat(MAX_ANNOUNCED_TEXT + 5)
    expect(announcedText(even)).toHaveLength(MAX_ANNOUNCED_TEXT)
    const astral = 'a'.repeat(MAX_ANNOUNCED_TEXT - 1) + '😀' + 'tail'
    expect(announcedText(astral)).toBe('a'.repeat(MAX_ANNOUNCED_TEXT - 1))
    expect(decode({ ...announcement, prompt: announcedText(astral) }).ok).toBe(true)
  })
})
