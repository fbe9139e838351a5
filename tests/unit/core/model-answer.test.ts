import { describe, expect, it } from 'vitest'
import { ModelAnswer } from '../../../src-main/core/chat/model-answer'
import type { FinalMarker } from '../../../src-main/protocol/stream-protocol'
import { sha256Hex } from '../../support/sha256'

const final = (text: string, total: number, extra: Partial<FinalMarker> = {}): FinalMarker => ({
  total,
  status: 'complete',
  sha256: sha256Hex(text),
  ...extra,
})

describe('ModelAnswer', () => {
  it('releases its chunks in order, and finishes when the whole text hashes to the final digest', () => {
    const answer = new ModelAnswer('s', 'a', 'streaming', 100)
    expect(answer.accept({ seq: 1, text: ' world' }, 200)).toEqual({ kind: 'held' })
    expect(answer.firstTextAt).toBeUndefined()
    expect(answer.accept({ seq: 0, text: 'Hello' }, 300)).toEqual({
      kind: 'released',
      text: 'Hello world',
      delivered: 1,
    })
    expect(answer.accept({ seq: 0, text: 'Hello' }, 350)).toEqual({ kind: 'duplicate' })
    const end = final('Hello world!', 3, { usage: { outputTokens: 3 } })
    expect(answer.accept({ seq: 2, text: '!', final: end }, 400)).toEqual({
      kind: 'finished',
      text: '!',
      delivered: 1,
      final: end,
    })
    expect(answer).toMatchObject({ startedAt: 100, firstTextAt: 300, lastHeardAt: 400, releasedChars: 12, final: end })
  })

  it('calls a final damaged when the text does not hash to its digest, or when it carries none', () => {
    const mismatch = new ModelAnswer('s', 'a', 'streaming', 0)
    const wrong = final('hello world', 1)
    expect(mismatch.accept({ seq: 0, text: 'hello wor1d', final: wrong }, 1)).toMatchObject({
      kind: 'damaged',
      text: 'hello wor1d',
      final: wrong,
    })
    const unsigned = new ModelAnswer('s', 'a', 'streaming', 0)
    expect(unsigned.accept({ seq: 0, text: 'x', final: { total: 1, status: 'complete' } }, 1)).toMatchObject({
      kind: 'damaged',
    })
    expect(unsigned.final).toEqual({ total: 1, status: 'complete' })
  })

  it('hears every chunk, duplicates and refused ones included (silence is measured from it)', () => {
    const answer = new ModelAnswer('s', 'a', 'streaming', 0)
    answer.accept({ seq: 0, text: 'a' }, 10)
    answer.accept({ seq: 0, text: 'a' }, 20)
    expect(answer.lastHeardAt).toBe(20)
    answer.accept({ seq: 1_000_000, text: 'far' }, 30)
    expect(answer.lastHeardAt).toBe(30)
  })

  it('tells whether a text continues exactly what was released, and appends verified text', () => {
    const answer = new ModelAnswer('s', 'a', 'streaming', 0)
    answer.accept({ seq: 0, text: 'One two' }, 1)
    expect(answer.isContinuedBy('One two three')).toBe(true)
    expect(answer.isContinuedBy('One two')).toBe(true)
    expect(answer.isContinuedBy('One tw')).toBe(false)
    expect(answer.isContinuedBy('Two two three')).toBe(false)
    answer.append({ text: ' three', reasoning: '' }, 5)
    expect(answer.releasedChars).toBe(13)
    expect(answer.isContinuedBy('One two three.')).toBe(true)
  })

  it('reports a gap once, and says when the next unreported one opened', () => {
    const answer = new ModelAnswer('s', 'a', 'streaming', 0)
    answer.accept({ seq: 1, text: 'b' }, 1_000)
    expect(answer.gapOpenSince).toBe(1_000)
    expect(answer.reportGap(5_999, 5_000)).toBeUndefined()
    expect(answer.reportGap(6_000, 5_000)).toEqual({ missingSeq: 0, heldChunks: 1, openForMs: 5_000 })
    expect(answer.gapOpenSince).toBeUndefined()
    expect(answer.reportGap(9_000, 5_000)).toBeUndefined()
  })

  it('keeps the first stop time, only while streaming; a stall ends once', () => {
    const answer = new ModelAnswer('s', 'a', 'queued', 0)
    answer.requestStop(10)
    expect(answer.stopRequestedAt).toBeUndefined()
    answer.sent(20)
    expect(answer).toMatchObject({ status: 'streaming', startedAt: 20, lastHeardAt: 20 })
    answer.requestStop(30)
    answer.requestStop(40)
    expect(answer.stopRequestedAt).toBe(30)
    answer.stalled = true
    expect(answer.clearStall()).toBe(true)
    expect(answer.clearStall()).toBe(false)
  })

  it('ends: not open any more, neither stalled nor recovering nor resumed', () => {
    const answer = ModelAnswer.resumed('s', 'a', { text: 'so far', reasoning: '' }, 0)
    Object.assign(answer, { stalled: true, recovering: true })
    expect(answer.isOpen).toBe(true)
    answer.end('error')
    expect(answer).toMatchObject({ status: 'error', stalled: false, recovering: false, resumedSince: undefined })
    expect(answer.isOpen).toBe(false)
  })
})

describe('ModelAnswer resumed after a restart', () => {
  const words = ['One', ' two', ' three', ' four', ' five.']
  const full = words.join('')
  const end = final(full, words.length)
  const chunk = (seq: number) => ({ seq, text: words[seq]!, ...(seq === words.length - 1 ? { final: end } : {}) })

  it('continues the text from history: holds the queued chunks until the final, then finishes with the tail', () => {
    const answer = ModelAnswer.resumed('s', 'a', { text: 'One two', reasoning: '' }, 1_000)
    expect(answer).toMatchObject({ releasedChars: 7, resumedSince: 1_000 })
    expect(answer.accept(chunk(2), 1_100)).toEqual({ kind: 'held' })
    expect(answer.accept(chunk(2), 1_150)).toEqual({ kind: 'duplicate' })
    expect(answer.accept(chunk(3), 1_200)).toEqual({ kind: 'held' }) // the final is not in yet
    expect(answer.final).toBeUndefined()
    expect(answer.accept(chunk(4), 1_300)).toEqual({
      kind: 'finished',
      text: ' three four five.',
      delivered: 3,
      final: end,
    })
    expect(answer.final).toEqual(end)
    expect(answer).toMatchObject({ releasedChars: full.length, firstTextAt: 1_300, lastHeardAt: 1_300 })
    expect(answer.isContinuedBy(full)).toBe(true)
  })

  it('finds where the chunks continue when the broker redelivers some the history already has', () => {
    const answer = ModelAnswer.resumed('s', 'a', { text: 'One two three', reasoning: '' }, 0)
    for (const seq of [1, 2, 3]) expect(answer.accept(chunk(seq), 1).kind).toBe('held')
    expect(answer.accept(chunk(4), 2)).toEqual({ kind: 'finished', text: ' four five.', delivered: 2, final: end })
  })

  it('says so when no run of the chunks completes the text, and refuses chunks past the final', () => {
    const answer = ModelAnswer.resumed('s', 'a', { text: 'One', reasoning: '' }, 0)
    answer.accept(chunk(3), 1)
    expect(answer.accept(chunk(4), 2)).toEqual({ kind: 'unmatched' })
    expect(answer.accept({ seq: 5, text: 'late' }, 3)).toEqual({ kind: 'rejected', reason: 'out-of-window' })
  })

  it('tries a bounded number of places to continue from before giving the answer to recovery', () => {
    const parts = Array.from({ length: 40 }, (_, i) => `w${i} `)
    const tailAt = (start: number) => {
      const answer = ModelAnswer.resumed('s', 'a', { text: parts.slice(0, start).join(''), reasoning: '' }, 0)
      const last = final(parts.join(''), parts.length)
      for (let seq = 0; seq < parts.length - 1; seq++) answer.accept({ seq, text: parts[seq]! }, 1)
      return answer.accept({ seq: parts.length - 1, text: parts.at(-1)!, final: last }, 2).kind
    }
    expect(tailAt(31)).toBe('finished')
    expect(tailAt(32)).toBe('unmatched')
  })
})

describe('ModelAnswer with a reasoning channel (protocol v2)', () => {
  const thinking = ['Let me ', 'think: 東京 🌞', ' done.']
  const reasoning = thinking.join('')
  const answerText = 'It is sunny.'
  const end = final(answerText, 4, { reasoningSha256: sha256Hex(reasoning), stopReason: 'end' })
  const chunks = [
    { seq: 0, text: '', reasoning: thinking[0]! },
    { seq: 1, text: '', reasoning: thinking[1]! },
    { seq: 2, text: 'It is', reasoning: thinking[2]! },
    { seq: 3, text: ' sunny.', final: end },
  ]

  it('releases both channels in order, each exactly once, and finishes when both match their digests', () => {
    const answer = new ModelAnswer('s', 'a', 'streaming', 0)
    expect(answer.accept(chunks[1]!, 10)).toEqual({ kind: 'held' })
    expect(answer.accept(chunks[0]!, 20)).toEqual({
      kind: 'released',
      text: '',
      reasoning: 'Let me think: 東京 🌞',
      delivered: 1,
    })
    // Reasoning is activity, not the first answer text.
    expect(answer).toMatchObject({ lastHeardAt: 20, firstTextAt: undefined, releasedReasoningChars: 19 })
    expect(answer.accept(chunks[3]!, 30)).toEqual({ kind: 'held' })
    expect(answer.accept(chunks[2]!, 40)).toEqual({
      kind: 'finished',
      text: 'It is sunny.',
      reasoning: ' done.',
      delivered: 1,
      final: end,
    })
    expect(answer).toMatchObject({ releasedChars: answerText.length, firstTextAt: 40 })
  })

  it('is damaged when the reasoning does not hash to reasoningSha256, though the text does', () => {
    const answer = new ModelAnswer('s', 'a', 'streaming', 0)
    answer.accept(chunks[0]!, 1)
    answer.accept({ ...chunks[1]!, reasoning: 'think: 大阪 🌧' }, 2)
    answer.accept(chunks[2]!, 3)
    expect(answer.accept(chunks[3]!, 4)).toMatchObject({ kind: 'damaged', final: end })
  })

  it('is damaged when reasoning arrived but the final vouches for none, or vouches for reasoning that never came', () => {
    const unvouched = new ModelAnswer('s', 'a', 'streaming', 0)
    unvouched.accept({ seq: 0, text: 'Hi', reasoning: 'hmm' }, 1)
    expect(unvouched.accept({ seq: 1, text: '', final: final('Hi', 2) }, 2).kind).toBe('damaged')

    const missing = new ModelAnswer('s', 'a', 'streaming', 0)
    const claims = final('Hi', 1, { reasoningSha256: sha256Hex('hmm') })
    expect(missing.accept({ seq: 0, text: 'Hi', final: claims }, 1).kind).toBe('damaged')
  })

  it('resumed after a restart, continues the reasoning kept in history and checks the whole of it', () => {
    const answer = ModelAnswer.resumed('s', 'a', { text: '', reasoning: 'Let me think: 東京 🌞' }, 0)
    expect(answer.releasedReasoningChars).toBe(19)
    expect(answer.accept(chunks[2]!, 1)).toEqual({ kind: 'held' })
    expect(answer.accept(chunks[3]!, 2)).toEqual({
      kind: 'finished',
      text: 'It is sunny.',
      reasoning: ' done.',
      delivered: 2,
      final: end,
    })

    // Its stored reasoning differs from what the model sent: no run of the chunks completes it.
    const wrong = ModelAnswer.resumed('s', 'a', { text: '', reasoning: 'Let me think: 大阪' }, 0)
    for (const chunk of chunks.slice(1, 3)) wrong.accept(chunk, 1)
    expect(wrong.accept(chunks[3]!, 2)).toEqual({ kind: 'unmatched' })
  })
})
