/**
 * The answer-archive contract crosses a deploy boundary both ways: the fetch-stream request (app → Lambda) and the
 * archived answers (Lambda → app) tolerate unknown keys and drop prototype keys; what an app from before protocol v2
 * receives passes its own frozen, strict schema.
 */
import { describe, expect, it } from 'vitest'
import {
  archivedAnswerV1,
  ArchivedAnswerSchema,
  assembleTextParts,
  AskedSchema,
  FetchStreamRequestSchema,
  FetchStreamResultSchema,
  MAX_RECENT_STREAMS,
  RecentStreamsRequestSchema,
  RecentStreamsResultSchema,
  type ArchivedAnswer,
} from '../../../src-main/protocol/answer-archive'
import { MAX_ANNOUNCED_MODELS, MAX_ANNOUNCED_TEXT } from '../../../src-main/protocol/stream-announcement'
import * as frozen from '../../fixtures/protocol-v1/answer-archive-v1'
import { sha256Hex } from '../../support/sha256'

const full: ArchivedAnswer = {
  streamId: 'stream-1',
  modelId: 'r1',
  text: '42.',
  status: 'complete',
  chunks: 3,
  sha256: sha256Hex('42.'),
  usage: { inputTokens: 5, outputTokens: 9 },
  storedAt: 1_000,
  reasoning: 'Six times seven.',
  reasoningSha256: sha256Hex('Six times seven.'),
  stopReason: 'tool-call',
  toolNames: ['calculator'],
  redactedReasoning: 1,
  metrics: { inputTokens: 5, outputTokens: 9, reasoningTokens: 4, firstTokenMs: 120, durationMs: 900 },
}

describe('answer archive contract', () => {
  it('tolerates unknown keys in the fetch request and drops prototype keys', () => {
    const parsed = FetchStreamRequestSchema.parse(
      JSON.parse('{"streamId":"s-1","protocols":[1,2],"wantsImages":true,"__proto__":{"admin":true}}'),
    )
    expect(parsed).toEqual({ streamId: 's-1', protocols: [1, 2] })
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype)
    expect((parsed as Record<string, unknown>).admin).toBeUndefined()
    // What it knows it still checks.
    expect(FetchStreamRequestSchema.safeParse({ streamId: 'a/b' }).success).toBe(false)
    expect(FetchStreamRequestSchema.safeParse({ streamId: 's', protocols: [] }).success).toBe(false)
  })

  it("reads a newer backend's archived answer, dropping the fields it does not know", () => {
    const newer = { ...full, fromTheFuture: { x: 1 }, metrics: { ...full.metrics, joules: 3 } }
    const result = FetchStreamResultSchema.parse({ ok: true, streamId: 'stream-1', answers: [newer], later: 1 })
    expect(result).toEqual({ ok: true, streamId: 'stream-1', answers: [full] })
    expect(ArchivedAnswerSchema.safeParse({ ...full, stopReason: 'length' }).success).toBe(false)
    expect(ArchivedAnswerSchema.safeParse({ ...full, toolNames: [''] }).success).toBe(false)
  })

  it('gives an app from before v2 only what its strict schema accepts, and nothing of the reasoning', () => {
    const v1 = archivedAnswerV1(full)
    expect(frozen.ArchivedAnswerSchema.safeParse(full).success).toBe(false) // why the reader must strip
    expect(frozen.ArchivedAnswerSchema.parse(v1)).toEqual({
      streamId: 'stream-1',
      modelId: 'r1',
      text: '42.',
      status: 'complete',
      chunks: 3,
      sha256: sha256Hex('42.'),
      usage: { inputTokens: 5, outputTokens: 9 },
      storedAt: 1_000,
    })
  })
})

describe('answer archive limits', () => {
  it('takes a page offset from 0, whole numbers only', () => {
    const from = (textFrom: unknown) => FetchStreamRequestSchema.safeParse({ streamId: 's', textFrom }).success
    expect([0, 1, 250_000].map(from)).toEqual([true, true, true])
    expect([-1, 1.5, '0'].map(from)).toEqual([false, false, false])
  })

  it('takes digests of exactly 64 lowercase hex digits', () => {
    const digest = sha256Hex('42.')
    for (const field of ['sha256', 'reasoningSha256'] as const) {
      const accepts = (value: string) => ArchivedAnswerSchema.safeParse({ ...full, [field]: value }).success
      expect(accepts(digest), field).toBe(true)
      for (const wrong of [`${digest}0`, `0${digest}`, digest.slice(1), digest.toUpperCase(), `${digest.slice(1)}g`]) {
        expect(accepts(wrong), `${field}: ${wrong}`).toBe(false)
      }
    }
  })

  it('keeps where a page starts and the whole length, from offset 0 and a length of 1', () => {
    const page = (textPart: unknown) => ArchivedAnswerSchema.safeParse({ ...full, textPart })
    expect(page({ offset: 5, total: 10 }).data?.textPart).toEqual({ offset: 5, total: 10 })
    expect(page({ offset: 0, total: 1 }).success).toBe(true)
    for (const wrong of [{ offset: -1, total: 1 }, { offset: 0, total: 0 }, { offset: 0.5, total: 1 }, { offset: 0 }]) {
      expect(page(wrong).success, JSON.stringify(wrong)).toBe(false)
    }
  })

  it('reads each of the failures the fetch can answer with, and no other', () => {
    for (const error of ['no-identity', 'invalid-request', 'store-unavailable']) {
      const failure = { ok: false, error, detail: 'why' }
      expect(FetchStreamResultSchema.parse(failure)).toEqual(failure)
      expect(RecentStreamsResultSchema.parse(failure)).toEqual(failure)
    }
    for (const schema of [FetchStreamResultSchema, RecentStreamsResultSchema]) {
      expect(schema.safeParse({ ok: false, error: '', detail: 'why' }).success).toBe(false)
      expect(schema.safeParse({ ok: false, error: 'boom', detail: 'why' }).success).toBe(false)
    }
    expect(FetchStreamResultSchema.parse({ ok: true, streamId: 's', answers: [] })).toEqual({
      ok: true,
      streamId: 's',
      answers: [],
    })
  })

  it('gives an app from before v2 no key for a field the answer does not have', () => {
    const { usage: _usage, ...withoutUsage } = full
    expect(Object.keys(archivedAnswerV1(withoutUsage))).toEqual([
      'streamId',
      'modelId',
      'text',
      'status',
      'chunks',
      'sha256',
      'storedAt',
    ])
  })
})

describe('assembleTextParts', () => {
  const pages = [
    { offset: 0, text: 'ab' },
    { offset: 2, text: '😀c' }, // a page may start with a surrogate pair; its length counts both halves
    { offset: 5, text: 'd' },
  ]

  it('joins pages that tile the text, in whatever order they came', () => {
    expect(assembleTextParts(pages, 6)).toBe('ab😀cd')
    expect(assembleTextParts([...pages].reverse(), 6)).toBe('ab😀cd')
    expect(assembleTextParts([], 0)).toBe('')
  })

  it('gives nothing for a missing page, an empty page, or a page that runs past the total', () => {
    expect(assembleTextParts([pages[0]!, pages[2]!], 6)).toBeUndefined()
    expect(assembleTextParts([pages[0]!], 6)).toBeUndefined()
    expect(assembleTextParts([{ offset: 0, text: '' }], 1)).toBeUndefined()
    // Nothing stands in for a missing page (the total here is what 'ab' + 'undefined' would make).
    expect(assembleTextParts([pages[0]!], 11)).toBeUndefined()
    expect(assembleTextParts(pages, 4)).toBeUndefined() // a page that runs past the end
    expect(assembleTextParts(pages, 7)).toBeUndefined()
  })
})

describe('recent streams', () => {
  const asked = { conversationId: 'c-1', deviceId: '0123456789abcdef', prompt: 'Hi', models: ['claude'] }
  const stream = (i: number) => ({ streamId: `s-${i}`, storedAt: i, storedModelIds: ['claude'], asked })

  it(`keeps what was asked up to ${MAX_ANNOUNCED_TEXT} UTF-16 code units, an astral character counting two`, () => {
    const accepts = (prompt: string) => AskedSchema.safeParse({ ...asked, prompt }).success
    expect(accepts('x'.repeat(MAX_ANNOUNCED_TEXT))).toBe(true)
    expect(accepts('x'.repeat(MAX_ANNOUNCED_TEXT + 1))).toBe(false)
    expect(accepts(`${'x'.repeat(MAX_ANNOUNCED_TEXT - 2)}😀`)).toBe(true)
    expect(accepts(`${'x'.repeat(MAX_ANNOUNCED_TEXT - 1)}😀`)).toBe(false)
    expect(AskedSchema.safeParse({ ...asked, systemPrompt: 'x'.repeat(MAX_ANNOUNCED_TEXT + 1) }).success).toBe(false)
    expect(
      AskedSchema.safeParse({ ...asked, prompt: 'x'.repeat(MAX_ANNOUNCED_TEXT + 1) }).error?.issues[0]?.message,
    ).toBe(`at most ${MAX_ANNOUNCED_TEXT} UTF-16 code units`)
  })

  it(`keeps the ${MAX_ANNOUNCED_MODELS} models asked at most, one at least`, () => {
    const models = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`)
    const accepts = (n: number) => AskedSchema.safeParse({ ...asked, models: models(n) }).success
    expect([0, 1, MAX_ANNOUNCED_MODELS, MAX_ANNOUNCED_MODELS + 1].map(accepts)).toEqual([false, true, true, false])
  })

  it('takes the request for recent streams as `{ recent: true }` only', () => {
    expect(RecentStreamsRequestSchema.parse({ recent: true, later: 1 })).toEqual({ recent: true })
    expect(RecentStreamsRequestSchema.safeParse({ recent: false }).success).toBe(false)
    expect(RecentStreamsRequestSchema.safeParse({}).success).toBe(false)
  })

  it(`lists at most ${MAX_RECENT_STREAMS} streams, and reads a failure with its reason`, () => {
    const list = (n: number) => ({ ok: true, streams: Array.from({ length: n }, (_, i) => stream(i)) })
    expect(RecentStreamsResultSchema.parse(list(0))).toEqual({ ok: true, streams: [] })
    expect(RecentStreamsResultSchema.parse(list(2))).toEqual({ ok: true, streams: [stream(0), stream(1)] })
    expect(RecentStreamsResultSchema.safeParse(list(MAX_RECENT_STREAMS)).success).toBe(true)
    expect(RecentStreamsResultSchema.safeParse(list(MAX_RECENT_STREAMS + 1)).success).toBe(false)
    const failure = { ok: false, error: 'store-unavailable', detail: 'throttled' }
    expect(RecentStreamsResultSchema.parse(failure)).toEqual(failure)
    expect(RecentStreamsResultSchema.safeParse({ ...failure, error: 'boom' }).success).toBe(false)
    expect(RecentStreamsResultSchema.safeParse({ ok: false, detail: 'throttled' }).success).toBe(false)
  })
})
