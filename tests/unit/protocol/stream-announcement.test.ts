import { describe, expect, it } from 'vitest'
import {
  announcedText,
  announcementTopic,
  decodeAnnouncement,
  encodeAnnouncement,
  MAX_ANNOUNCED_TEXT,
  StreamAnnouncementSchema,
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

describe('stream announcements at their limits', () => {
  it.each([
    ['a prompt exactly at the cap', { ...announcement, prompt: 'x'.repeat(MAX_ANNOUNCED_TEXT) }],
    ['a system prompt exactly at the cap', { ...announcement, systemPrompt: 'x'.repeat(MAX_ANNOUNCED_TEXT) }],
    ['no system prompt', { ...announcement, systemPrompt: undefined }],
    ['eight models', { ...announcement, models: Array.from({ length: 8 }, (_, i) => `m${i}`) }],
    ['one model', { ...announcement, models: ['claude'] }],
    ['the epoch', { ...announcement, at: 0 }],
  ])('accepts %s', (_, value) => {
    expect(decode(value)).toEqual({ ok: true, announcement: JSON.parse(JSON.stringify(value)) as unknown })
  })

  it.each([
    ['a system prompt over the cap', { ...announcement, systemPrompt: 'x'.repeat(MAX_ANNOUNCED_TEXT + 1) }],
    [
      'a prompt over the cap by an astral character',
      { ...announcement, prompt: `${'x'.repeat(MAX_ANNOUNCED_TEXT - 1)}😀` },
    ],
    ['a device id one character short', { ...announcement, deviceId: '0123456789abcde' }],
    ['a device id one character long', { ...announcement, deviceId: '0123456789abcdef0' }],
    ['a device id with something before it', { ...announcement, deviceId: 'x0123456789abcdef' }],
    ['a device id with something after it', { ...announcement, deviceId: '0123456789abcdefx' }],
    ['a time before the epoch', { ...announcement, at: -1 }],
    ['a fractional time', { ...announcement, at: 1.5 }],
    ['a stream id that is not an id', { ...announcement, streamId: 'a b' }],
    ['a conversation id that is not an id', { ...announcement, conversationId: '' }],
  ])('drops %s as invalid', (_, value) => {
    expect(decode(value)).toEqual({ ok: false, reason: 'announcement-invalid' })
  })

  it('drops invalid UTF-8, even inside a string it would accept', () => {
    const valid = bytes({ ...announcement, prompt: 'x' })
    const invalid = Uint8Array.from(valid, (byte) => (byte === 0x78 ? 0xff : byte)) // the prompt's x
    expect(decodeAnnouncement(announcementTopic('streamdesk', USER, 's1'), valid, expected).ok).toBe(true)
    expect(decodeAnnouncement(announcementTopic('streamdesk', USER, 's1'), invalid, expected)).toEqual({
      ok: false,
      reason: 'announcement-invalid',
    })
  })

  it(`reads a payload of exactly ${MAX_PAYLOAD_BYTES} bytes and refuses one byte more`, () => {
    const padded = (size: number) => {
      const text = encodeAnnouncement(announcement)
      return `${text.slice(0, -1)}${' '.repeat(size - bytes(text).byteLength)}}` // JSON allows the spaces
    }
    expect(bytes(padded(MAX_PAYLOAD_BYTES)).byteLength).toBe(MAX_PAYLOAD_BYTES)
    expect(decode(padded(MAX_PAYLOAD_BYTES))).toEqual({ ok: true, announcement })
    expect(decode(padded(MAX_PAYLOAD_BYTES + 1))).toEqual({ ok: false, reason: 'announcement-oversized' })
  })

  it.each([
    ['a fifth level', `${announcementTopic('streamdesk', USER, 's1')}/x`],
    ['another third level', `streamdesk/${USER}/announced/s1`],
    ['the prefix one level down', `x/streamdesk/${USER}/announce`],
  ])('refuses a message on a topic with %s', (_, topic) => {
    expect(decode(announcement, topic)).toEqual({ ok: false, reason: 'announcement-foreign-topic' })
  })

  it('says what is wrong in words, for a log or a caller that shows it', () => {
    const message = (value: unknown) => StreamAnnouncementSchema.safeParse(value).error?.issues[0]?.message
    expect(message({ ...announcement, deviceId: 'x' })).toBe('a device id is 16 characters of 0-9 a-f')
    expect(message({ ...announcement, prompt: 'x'.repeat(MAX_ANNOUNCED_TEXT + 1) })).toBe(
      `at most ${MAX_ANNOUNCED_TEXT} UTF-16 code units`,
    )
    expect(message({ ...announcement, models: ['a', 'a'] })).toBe('model ids must be unique')
  })

  it('never cuts a text within the cap, whatever its last code unit', () => {
    const full = `${'a'.repeat(MAX_ANNOUNCED_TEXT - 1)}\ud800`
    expect(announcedText(full)).toBe(full)
  })

  it('cuts exactly at the cap unless that would leave half a surrogate pair', () => {
    const at = (unit: number) => `${'a'.repeat(MAX_ANNOUNCED_TEXT - 1)}${String.fromCharCode(unit)}tail`
    expect(announcedText('a'.repeat(MAX_ANNOUNCED_TEXT))).toHaveLength(MAX_ANNOUNCED_TEXT)
    expect(announcedText('a'.repeat(MAX_ANNOUNCED_TEXT + 1))).toHaveLength(MAX_ANNOUNCED_TEXT)
    // High surrogates (the first half of a pair) at the last place kept: 0xd800 to 0xdbff.
    for (const high of [0xd800, 0xdbff])
      expect(announcedText(at(high)), high.toString(16)).toHaveLength(MAX_ANNOUNCED_TEXT - 1)
    // Just outside that range, and a low surrogate (a pair's second half, ending the pair): kept.
    for (const other of [0xd7ff, 0xdc00])
      expect(announcedText(at(other)), other.toString(16)).toHaveLength(MAX_ANNOUNCED_TEXT)
    const pairEndsAtTheCap = `${'a'.repeat(MAX_ANNOUNCED_TEXT - 2)}😀tail`
    expect(announcedText(pairEndsAtTheCap)).toBe(`${'a'.repeat(MAX_ANNOUNCED_TEXT - 2)}😀`)
  })
})
