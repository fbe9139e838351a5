import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  ReorderBuffer,
  type AcceptOutcome,
  type PayloadKind,
  type SequencedChunk,
} from '../../../src-main/core/chat/reorder-buffer'
import { chunkPayload, type ChunkPayload } from '../../../src-main/core/chat/chunk-payload'
import type { FinalMarker } from '../../../src-main/protocol/stream-protocol'
import { unicodeText } from '../../support/unicode-text'

/** Splits a text into a stream's chunks, the last carrying the final marker. */
function toChunks(
  parts: string[],
  final: Omit<FinalMarker, 'total'> = { status: 'complete' },
): SequencedChunk<ChunkPayload>[] {
  return parts.map((text, seq) =>
    seq === parts.length - 1 ? { seq, text, final: { ...final, total: parts.length } } : { seq, text },
  )
}

function feed(buffer: ReorderBuffer<ChunkPayload>, chunks: SequencedChunk<ChunkPayload>[], now = 0) {
  let text = ''
  const finals: FinalMarker[] = []
  const outcomes: AcceptOutcome<ChunkPayload>[] = []
  for (const chunk of chunks) {
    const outcome = buffer.accept(chunk, now)
    outcomes.push(outcome)
    if (outcome.kind === 'released') {
      text += outcome.text
      if (outcome.final) finals.push(outcome.final)
    }
  }
  return { text, finals, outcomes }
}

/** A stream's chunks in any order, each delivered one or more times (QoS 1 redelivery). */
const shuffledWithDuplicates = fc
  .array(unicodeText({ maxLength: 12 }), { minLength: 1, maxLength: 60 })
  .chain((parts) =>
    fc.record({
      parts: fc.constant(parts),
      deliveries: fc
        .array(fc.integer({ min: 1, max: 3 }), { minLength: parts.length, maxLength: parts.length })
        .chain((copies) =>
          fc.shuffledSubarray(
            copies.flatMap((n, seq) => Array.from({ length: n }, () => seq)),
            { minLength: copies.reduce((a, b) => a + b, 0) },
          ),
        ),
    }),
  )

describe('ReorderBuffer', () => {
  it('delivers the original text exactly once, in order, for any permutation with any duplicates', () => {
    fc.assert(
      fc.property(shuffledWithDuplicates, ({ parts, deliveries }) => {
        const chunks = toChunks(parts)
        const buffer = new ReorderBuffer(chunkPayload)
        const { text, finals, outcomes } = feed(
          buffer,
          deliveries.map((seq) => chunks[seq]!),
        )
        expect(text).toBe(parts.join(''))
        expect(finals).toHaveLength(1)
        expect(buffer.complete).toBe(true)
        expect(outcomes.filter((o) => o.kind === 'duplicate')).toHaveLength(deliveries.length - parts.length)
      }),
      { numRuns: 500 },
    )
  })

  it('releases nothing past a hole and everything once it fills', () => {
    const chunks = toChunks(['a', 'b', 'c', 'd'])
    const buffer = new ReorderBuffer(chunkPayload)
    expect(buffer.accept(chunks[2]!, 0)).toEqual({ kind: 'held' })
    expect(buffer.accept(chunks[3]!, 0)).toEqual({ kind: 'held' })
    expect(buffer.complete).toBe(false)
    expect(buffer.accept(chunks[0]!, 0)).toEqual({ kind: 'released', text: 'a' })
    expect(buffer.accept(chunks[1]!, 0)).toEqual({
      kind: 'released',
      text: 'bcd',
      final: { status: 'complete', total: 4 },
    })
    expect(buffer.complete).toBe(true)
  })

  it('does not report completion from the final marker alone', () => {
    const buffer = new ReorderBuffer(chunkPayload)
    const { finals } = feed(buffer, [
      { seq: 2, text: 'c', final: { status: 'complete', total: 3 } },
      { seq: 0, text: 'a' },
    ])
    expect(finals).toEqual([])
    expect(buffer.complete).toBe(false)
    expect(buffer.expectedSeq).toBe(1)
  })

  it('carries an error final through', () => {
    const error = { code: 'rate-limited' as const, message: 'slow down' }
    const { text, finals } = feed(
      new ReorderBuffer(chunkPayload),
      toChunks(['par', 'tial'], { status: 'error', error }),
    )
    expect(text).toBe('partial')
    expect(finals).toEqual([{ status: 'error', error, total: 2 }])
  })

  it('refuses chunks beyond the final, a conflicting final, and chunks after completion', () => {
    const buffer = new ReorderBuffer(chunkPayload)
    buffer.accept({ seq: 1, text: 'b', final: { status: 'complete', total: 2 } }, 0)
    expect(buffer.accept({ seq: 5, text: 'x' }, 0)).toEqual({ kind: 'rejected', reason: 'beyond-final' })
    expect(buffer.accept({ seq: 0, text: 'a', final: { status: 'complete', total: 1 } }, 0)).toEqual({
      kind: 'rejected',
      reason: 'conflicting-final',
    })
    expect(buffer.accept({ seq: 0, text: 'a' }, 0)).toMatchObject({ kind: 'released', text: 'ab' })
    expect(buffer.accept({ seq: 2, text: 'late' }, 0)).toEqual({ kind: 'rejected', reason: 'beyond-final' })
  })

  it('refuses a final that contradicts a chunk already held', () => {
    const buffer = new ReorderBuffer(chunkPayload)
    buffer.accept({ seq: 3, text: 'd' }, 0)
    expect(buffer.accept({ seq: 1, text: 'b', final: { status: 'complete', total: 2 } }, 0)).toEqual({
      kind: 'rejected',
      reason: 'conflicting-final',
    })
  })

  it('bounds what it holds: far-ahead chunks and too much held text are refused', () => {
    const buffer = new ReorderBuffer(chunkPayload, { maxAhead: 10, maxHeldChars: 5 })
    expect(buffer.accept({ seq: 11, text: 'x' }, 0)).toEqual({ kind: 'rejected', reason: 'out-of-window' })
    expect(buffer.accept({ seq: 1_000_000, text: 'x' }, 0)).toEqual({ kind: 'rejected', reason: 'out-of-window' })
    expect(buffer.accept({ seq: 2, text: 'abcd' }, 0)).toEqual({ kind: 'held' })
    expect(buffer.accept({ seq: 3, text: 'ef' }, 0)).toEqual({ kind: 'rejected', reason: 'out-of-window' })
    // The refused chunk can still come later, once the gap has drained.
    feed(buffer, [
      { seq: 0, text: '' },
      { seq: 1, text: '' },
    ])
    expect(buffer.accept({ seq: 3, text: 'ef' }, 0)).toMatchObject({ kind: 'released', text: 'ef' })
  })

  it('counts reasoning with the text against what it holds, so megabytes of reasoning are bounded alike', () => {
    const buffer = new ReorderBuffer(chunkPayload, { maxHeldChars: 5 })
    expect(buffer.accept({ seq: 1, text: 'a', reasoning: 'bcd' }, 0)).toEqual({ kind: 'held' })
    expect(buffer.accept({ seq: 2, text: '', reasoning: 'ef' }, 0)).toEqual({
      kind: 'rejected',
      reason: 'out-of-window',
    })
    const big = new ReorderBuffer(chunkPayload)
    expect(big.accept({ seq: 1, text: '', reasoning: 'r'.repeat(4_000_001) }, 0)).toEqual({
      kind: 'rejected',
      reason: 'out-of-window',
    })
    // Released in order, each channel joined on its own; a run without reasoning carries none.
    expect(buffer.accept({ seq: 0, text: 'x', reasoning: 'y' }, 0)).toEqual({
      kind: 'released',
      text: 'xa',
      reasoning: 'ybcd',
    })
    expect(buffer.accept({ seq: 2, text: 'z' }, 0)).toEqual({ kind: 'released', text: 'z' })
  })

  it('reports a gap once it has stayed open for the timeout, once per gap', () => {
    const buffer = new ReorderBuffer(chunkPayload)
    expect(buffer.checkGap(0, 1000)).toBeUndefined()
    buffer.accept({ seq: 2, text: 'c' }, 100)
    expect(buffer.gapOpen).toBe(true)
    expect(buffer.checkGap(1099, 1000)).toBeUndefined()
    expect(buffer.checkGap(1100, 1000)).toEqual({ missingSeq: 0, heldChunks: 1, openForMs: 1000 })
    expect(buffer.checkGap(5000, 1000)).toBeUndefined()
    buffer.accept({ seq: 0, text: 'a' }, 5000)
    expect(buffer.checkGap(9000, 1000)).toMatchObject({ missingSeq: 1 })
    buffer.accept({ seq: 1, text: 'b' }, 9000)
    expect(buffer.gapOpen).toBe(false)
    buffer.accept({ seq: 5, text: 'f' }, 10_000)
    expect(buffer.checkGap(11_000, 1000)).toEqual({ missingSeq: 3, heldChunks: 1, openForMs: 1000 })
  })

  it('says when the gap it will report next opened, and forgets it once reported or closed', () => {
    const buffer = new ReorderBuffer(chunkPayload)
    expect(buffer.unreportedGapSince).toBeUndefined()
    buffer.accept({ seq: 1, text: 'b' }, 100)
    expect(buffer.unreportedGapSince).toBe(100)
    buffer.checkGap(1100, 1000)
    expect(buffer.unreportedGapSince).toBeUndefined()
    buffer.accept({ seq: 3, text: 'd' }, 2000)
    buffer.accept({ seq: 0, text: 'a' }, 3000) // progress with 3 still held: a new gap from now
    expect(buffer.unreportedGapSince).toBe(3000)
    buffer.accept({ seq: 2, text: 'c' }, 4000)
    expect(buffer.unreportedGapSince).toBeUndefined()
  })

  it('never looks inside a payload: it joins and measures through the payload kind it is given', () => {
    interface TwoChannels {
      text: string
      note: string
    }
    const twoChannels: PayloadKind<TwoChannels> = {
      joinInto: (target, parts) =>
        Object.assign(target, {
          text: parts.map((p) => p.text).join(''),
          note: parts.map((p) => p.note).join('|'),
        }),
      size: (p) => p.text.length + p.note.length,
    }
    const buffer = new ReorderBuffer(twoChannels, { maxHeldChars: 4 })
    // Extra fields of a chunk (here `extra`) stay out of what is released.
    expect(buffer.accept({ seq: 2, text: 'c', note: 'z', extra: 1 } as SequencedChunk<TwoChannels>, 0)).toEqual({
      kind: 'held',
    })
    expect(buffer.accept({ seq: 3, text: 'dd', note: 'w' }, 0)).toEqual({ kind: 'rejected', reason: 'out-of-window' })
    expect(buffer.accept({ seq: 1, text: 'b', note: '' }, 0)).toEqual({ kind: 'held' })
    expect(buffer.accept({ seq: 0, text: 'a', note: 'x' }, 0)).toEqual({ kind: 'released', text: 'abc', note: 'x||z' })
  })

  describe('at its limits', () => {
    it('holds a chunk exactly maxAhead ahead and refuses one further', () => {
      const buffer = new ReorderBuffer(chunkPayload, { maxAhead: 10 })
      expect(buffer.accept({ seq: 10, text: 'k' }, 0)).toEqual({ kind: 'held' })
      expect(buffer.accept({ seq: 11, text: 'l' }, 0)).toEqual({ kind: 'rejected', reason: 'out-of-window' })
      // The window moves with the next expected number.
      buffer.accept({ seq: 0, text: 'a' }, 0)
      expect(buffer.accept({ seq: 11, text: 'l' }, 0)).toEqual({ kind: 'held' })
    })

    it('holds up to exactly maxHeldChars, counting characters as the payload kind measures them', () => {
      const buffer = new ReorderBuffer(chunkPayload, { maxHeldChars: 5 })
      expect(buffer.accept({ seq: 1, text: 'abc' }, 0)).toEqual({ kind: 'held' })
      expect(buffer.accept({ seq: 2, text: '😀' }, 0)).toEqual({ kind: 'held' }) // two UTF-16 units: 5 in all
      expect(buffer.accept({ seq: 3, text: 'x' }, 0)).toEqual({ kind: 'rejected', reason: 'out-of-window' })
      expect(buffer.accept({ seq: 0, text: '' }, 0)).toEqual({ kind: 'released', text: 'abc😀' })
      // Released chunks no longer count: the full allowance is there again.
      expect(buffer.accept({ seq: 5, text: 'abcde' }, 0)).toEqual({ kind: 'held' })
    })

    it('sees a chunk redelivered while it is held as a duplicate, and keeps the first copy', () => {
      const buffer = new ReorderBuffer(chunkPayload, { maxHeldChars: 2 })
      expect(buffer.accept({ seq: 1, text: 'b' }, 0)).toEqual({ kind: 'held' })
      expect(buffer.accept({ seq: 1, text: 'X' }, 0)).toEqual({ kind: 'duplicate' })
      // The duplicate took none of the allowance.
      expect(buffer.accept({ seq: 2, text: 'c' }, 0)).toEqual({ kind: 'held' })
      expect(buffer.accept({ seq: 0, text: 'a' }, 0)).toEqual({ kind: 'released', text: 'abc' })
      expect(buffer.accept({ seq: 0, text: 'a' }, 0)).toEqual({ kind: 'duplicate' })
      expect(buffer.accept({ seq: 2, text: 'c' }, 0)).toEqual({ kind: 'duplicate' })
    })

    it('refuses a chunk at exactly the final total, and a final whose total is a chunk already held', () => {
      const atTotal = new ReorderBuffer(chunkPayload)
      atTotal.accept({ seq: 1, text: 'b', final: { status: 'complete', total: 2 } }, 0)
      expect(atTotal.accept({ seq: 2, text: 'c' }, 0)).toEqual({ kind: 'rejected', reason: 'beyond-final' })
      expect(atTotal.accept({ seq: 0, text: 'a' }, 0)).toMatchObject({ kind: 'released', text: 'ab' })

      const heldAtTotal = new ReorderBuffer(chunkPayload)
      heldAtTotal.accept({ seq: 2, text: 'c' }, 0)
      expect(heldAtTotal.accept({ seq: 1, text: 'b', final: { status: 'complete', total: 2 } }, 0)).toEqual({
        kind: 'rejected',
        reason: 'conflicting-final',
      })
      // A final whose total lies past every held chunk is fine.
      expect(heldAtTotal.accept({ seq: 3, text: 'd', final: { status: 'complete', total: 4 } }, 0)).toEqual({
        kind: 'held',
      })
    })

    it('takes a second copy of the final as a duplicate, and refuses another final with a different total', () => {
      const buffer = new ReorderBuffer(chunkPayload)
      const final = { seq: 2, text: 'c', final: { status: 'complete' as const, total: 3 } }
      expect(buffer.accept(final, 0)).toEqual({ kind: 'held' })
      expect(buffer.accept(final, 0)).toEqual({ kind: 'duplicate' })
      expect(buffer.accept({ seq: 1, text: 'b', final: { status: 'complete', total: 2 } }, 0)).toEqual({
        kind: 'rejected',
        reason: 'conflicting-final',
      })
      // The buffer does not rely on the decoder's total = seq + 1: any other total is refused on its own.
      expect(buffer.accept({ seq: 0, text: 'a', final: { status: 'complete', total: 5 } }, 0)).toEqual({
        kind: 'rejected',
        reason: 'conflicting-final',
      })
      expect(buffer.accept({ seq: 0, text: 'a' }, 0)).toEqual({ kind: 'released', text: 'a' })
    })

    it('dates a gap from the first chunk held, not the latest', () => {
      const buffer = new ReorderBuffer(chunkPayload)
      buffer.accept({ seq: 1, text: 'b' }, 100)
      buffer.accept({ seq: 2, text: 'c' }, 900)
      expect(buffer.unreportedGapSince).toBe(100)
      expect(buffer.checkGap(1100, 1000)).toEqual({ missingSeq: 0, heldChunks: 2, openForMs: 1000 })
    })
  })
})
