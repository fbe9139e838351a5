/**
 * Announcements: how a user's other devices learn of a prompt asked on one of them, so its answers stream live on
 * every device (issue 17, item 2).
 *
 * Topic: `<prefix>/<userId>/announce/<streamId>`: four levels, so the stream filter `<prefix>/<userId>/+` never
 * matches it; each device subscribes to `<prefix>/<userId>/announce/+` (the IoT policy allows exactly that filter
 * under the caller's own identity). The chat handler publishes one when a prompt's stream starts, QoS 1, not
 * retained (a device that was offline catches up from the answer store instead).
 *
 *   { "v": 1, "streamId": "…", "conversationId": "…", "deviceId": "0123456789abcdef",
 *     "prompt": "…", "systemPrompt": "…", "models": ["claude-sonnet", "llama"], "at": 1765000000000 }
 *
 * - `deviceId` is the asking device's (the app sends it in its chat request), so that device ignores its own.
 * - `models` are ids only: every device of the user reads the same stack's config, so each labels them itself.
 * - The payload is STRICT and bounded (prompt and system prompt cut by the sender to MAX_ANNOUNCED_TEXT, at most
 *   MAX_ANNOUNCED_MODELS ids validated like every id); anything else is dropped and counted by the receiver.
 *   A new field is a new `v`, as for chunks (see the evolution policy in stream-protocol.ts).
 * - v2 (Regenerate and Continue): v1 plus `attempt`, the turn the answer is a new attempt at, named by the turn's
 *   stream id, and for Continue the stream id of the answer it goes on from:
 *     "attempt": { "turnStreamId": "…", "continues": "…" }
 *   `models` then names the one model asked again; `prompt` is what it was asked (the turn's prompt, or the
 *   instruction to continue). A new prompt is still announced as v1, so an app that reads only v1 misses only
 *   regenerations and continuations (it drops and counts them), as before they were announced.
 */
import { z } from 'zod'
import { IdSchema, MAX_PAYLOAD_BYTES } from './stream-protocol'

/** The most UTF-16 code units of the prompt (and of the system prompt) an announcement carries. */
export const MAX_ANNOUNCED_TEXT = 16 * 1024
export const MAX_ANNOUNCED_MODELS = 8

/** A device id as device-client-id.ts makes it: 16 lowercase hex characters. */
export const DeviceIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'a device id is 16 characters of 0-9 a-f')

const AnnouncedText = z
  .string()
  .refine((text) => text.length <= MAX_ANNOUNCED_TEXT, `at most ${MAX_ANNOUNCED_TEXT} UTF-16 code units`)

/** What a regenerated or continued answer is an attempt at (v2 announcements, and what the answer store keeps). */
export const AttemptOfSchema = z.strictObject({
  turnStreamId: IdSchema,
  continues: IdSchema.optional(),
})
export type AttemptOf = z.infer<typeof AttemptOfSchema>

const AnnouncementV1Schema = z.strictObject({
  v: z.literal(1),
  streamId: IdSchema,
  conversationId: IdSchema,
  deviceId: DeviceIdSchema,
  prompt: AnnouncedText,
  systemPrompt: AnnouncedText.optional(),
  models: z
    .array(IdSchema)
    .min(1)
    .max(MAX_ANNOUNCED_MODELS)
    .refine((ids) => new Set(ids).size === ids.length, 'model ids must be unique'),
  at: z.int().min(0),
})

const AnnouncementV2Schema = AnnouncementV1Schema.extend({
  v: z.literal(2),
  attempt: AttemptOfSchema,
  models: z.array(IdSchema).length(1),
})

export const StreamAnnouncementSchema = z.discriminatedUnion('v', [AnnouncementV1Schema, AnnouncementV2Schema])
export type StreamAnnouncement = z.infer<typeof StreamAnnouncementSchema>

export function announcementTopic(prefix: string, userId: string, streamId: string): string {
  return `${prefix}/${userId}/announce/${streamId}`
}

/** The filter every device of a user subscribes to, beside its streams' filter. */
export function userAnnouncementsFilter(prefix: string, userId: string): string {
  return `${prefix}/${userId}/announce/+`
}

export function encodeAnnouncement(announcement: StreamAnnouncement): string {
  return JSON.stringify(announcement)
}

/** `text` cut to MAX_ANNOUNCED_TEXT code units, never inside a surrogate pair. */
export function announcedText(text: string): string {
  if (text.length <= MAX_ANNOUNCED_TEXT) return text
  const code = text.charCodeAt(MAX_ANNOUNCED_TEXT - 1)
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? MAX_ANNOUNCED_TEXT - 1 : MAX_ANNOUNCED_TEXT)
}

export type AnnouncementRejectReason = 'announcement-oversized' | 'announcement-foreign-topic' | 'announcement-invalid'

export type AnnouncementDecodeResult =
  { ok: true; announcement: StreamAnnouncement } | { ok: false; reason: AnnouncementRejectReason }

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Validates one received announcement for the subscriber `userId`. Never throws. The topic must be exactly
 * `<prefix>/<userId>/announce/<streamId>` and agree with the payload, so nothing from another user's subtree
 * (a misconfigured broker, a forged topic) can open a conversation here.
 */
export function decodeAnnouncement(
  topic: string,
  payload: Uint8Array,
  expected: { prefix: string; userId: string },
): AnnouncementDecodeResult {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) return { ok: false, reason: 'announcement-oversized' }
  const levels = topic.split('/')
  if (
    levels.length !== 4 ||
    levels[0] !== expected.prefix ||
    levels[1] !== expected.userId ||
    levels[2] !== 'announce'
  ) {
    return { ok: false, reason: 'announcement-foreign-topic' }
  }
  let raw: unknown
  try {
    raw = JSON.parse(utf8.decode(payload))
  } catch {
    return { ok: false, reason: 'announcement-invalid' }
  }
  const parsed = StreamAnnouncementSchema.safeParse(raw)
  if (!parsed.success) return { ok: false, reason: 'announcement-invalid' }
  if (parsed.data.streamId !== levels[3]) return { ok: false, reason: 'announcement-foreign-topic' }
  return { ok: true, announcement: parsed.data }
}
