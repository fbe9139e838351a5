import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ModelEvent, ModelProvider } from '../../../src-main/backend/model-provider'
import {
  ThinkTagSplitter,
  UNTERMINATED_THINK_NOTE,
  withThinkTagSplitting,
} from '../../../src-main/backend/providers/think-tag-splitter'

/** Runs the splitter over these content deltas, as withThinkTagSplitting does for a provider that ends. */
function split(deltas: string[]): ModelEvent[] {
  const splitter = new ThinkTagSplitter()
  return [...deltas.flatMap((text) => splitter.push(text)), ...splitter.end()]
}

const reasoningOf = (events: ModelEvent[]) => events.map((e) => (e.type === 'reasoning' ? e.text : '')).join('')
const answerOf = (events: ModelEvent[]) => events.map((e) => (e.type === 'delta' ? e.text : '')).join('')

/** `text` cut at these positions (code units, so a surrogate pair may be cut: the splitter must not care). */
function cutAt(text: string, positions: number[]): string[] {
  const cuts = [...new Set(positions.map((p) => p % (text.length + 1)))].sort((a, b) => a - b)
  const pieces: string[] = []
  let from = 0
  for (const cut of [...cuts, text.length]) {
    pieces.push(text.slice(from, cut))
    from = cut
  }
  return pieces
}

const text = fc.string({ unit: 'grapheme', maxLength: 60 })
const tagFree = (tag: string) => text.filter((s) => !s.includes(tag))
const whitespace = fc.constantFrom('', ' ', '\n', '\n\n', ' \t\n')

describe('ThinkTagSplitter', () => {
  it('splits a leading <think> block off, at every split position (one character per delta)', () => {
    const input = '\n<think>\nLet me think: 2 + 2.\n</think>\n\nIt is 4.'
    for (let a = 0; a <= input.length; a++) {
      for (let b = a; b <= input.length; b++) {
        const events = split([input.slice(0, a), input.slice(a, b), input.slice(b)])
        expect(reasoningOf(events)).toBe('\nLet me think: 2 + 2.\n')
        expect(answerOf(events)).toBe('It is 4.')
      }
    }
    const oneByOne = split([...input])
    expect(reasoningOf(oneByOne)).toBe('\nLet me think: 2 + 2.\n')
    expect(answerOf(oneByOne)).toBe('It is 4.')
    // Deltas stay deltas: many small reasoning events, none holding the text so far.
    expect(oneByOne.filter((e) => e.type === 'reasoning').length).toBeGreaterThan(10)
  })

  it('property: reasoning and answer come out exactly, whatever the split points (non-ASCII included)', () => {
    fc.assert(
      fc.property(
        whitespace,
        tagFree('</think>'),
        whitespace,
        text,
        fc.array(fc.nat(), { maxLength: 12 }),
        (lead, reasoning, gap, answer, cuts) => {
          const input = `${lead}<think>${reasoning}</think>${gap}${answer}`
          const events = split(cutAt(input, cuts))
          expect(reasoningOf(events)).toBe(reasoning)
          expect(answerOf(events)).toBe(answer.trimStart())
          expect(events.every((e) => e.type !== 'delta' || e.text !== '')).toBe(true)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('property: an answer that does not open with <think> passes through unchanged', () => {
    fc.assert(
      fc.property(
        text.filter((s) => !s.trimStart().startsWith('<think>') && !'<think>'.startsWith(s.trimStart())),
        fc.array(fc.nat(), { maxLength: 12 }),
        (answer, cuts) => {
          const events = split(cutAt(answer, cuts))
          expect(answerOf(events)).toBe(answer)
          expect(reasoningOf(events)).toBe('')
        },
      ),
      { numRuns: 500 },
    )
  })

  it('keeps a <think> later in the answer as text', () => {
    const events = split(['Use ', '<thi', 'nk> tags', ' like <think>this</think>.'])
    expect(answerOf(events)).toBe('Use <think> tags like <think>this</think>.')
    expect(reasoningOf(events)).toBe('')
  })

  it('ends an unterminated block as reasoning with a note, whatever the split points', () => {
    fc.assert(
      fc.property(tagFree('</think>'), fc.array(fc.nat(), { maxLength: 8 }), (reasoning, cuts) => {
        const events = split(cutAt(`<think>${reasoning}`, cuts))
        expect(reasoningOf(events)).toBe(reasoning + UNTERMINATED_THINK_NOTE)
        expect(answerOf(events)).toBe('')
      }),
      { numRuns: 300 },
    )
  })

  it('gives back an answer that is only the start of the tag, or only whitespace', () => {
    expect(answerOf(split(['<th']))).toBe('<th')
    expect(answerOf(split([' ', '\n']))).toBe(' \n')
  })

  it('does not hold unbounded whitespace waiting for a tag', () => {
    const events = split([' '.repeat(2000), '<think>x</think>y'])
    expect(answerOf(events)).toBe(`${' '.repeat(2000)}<think>x</think>y`)
  })
})

describe('withThinkTagSplitting', () => {
  const scripted = (events: ModelEvent[]): ModelProvider => ({
    async *stream() {
      yield* events
    },
  })
  const collect = async (provider: ModelProvider) => {
    const out: ModelEvent[] = []
    for await (const event of provider.stream({ messages: [], signal: new AbortController().signal })) out.push(event)
    return out
  }

  it('passes other events through and flushes held text before the stop event', async () => {
    const events = await collect(
      withThinkTagSplitting(
        scripted([
          { type: 'delta', text: '<think>a' },
          { type: 'usage', inputTokens: 3 },
          { type: 'delta', text: '</thi' },
          { type: 'stop', reason: 'max-tokens', raw: 'length' },
          { type: 'usage', outputTokens: 9 },
        ]),
      ),
    )
    expect(events).toEqual([
      { type: 'reasoning', text: 'a' },
      { type: 'usage', inputTokens: 3 },
      { type: 'reasoning', text: `</thi${UNTERMINATED_THINK_NOTE}` },
      { type: 'stop', reason: 'max-tokens', raw: 'length' },
      { type: 'usage', outputTokens: 9 },
    ])
  })

  it('leaves a provider’s own reasoning events alone', async () => {
    const events = await collect(
      withThinkTagSplitting(
        scripted([
          { type: 'reasoning', text: 'thinking' },
          { type: 'delta', text: 'Answer' },
        ]),
      ),
    )
    expect(events).toEqual([
      { type: 'reasoning', text: 'thinking' },
      { type: 'delta', text: 'Answer' },
    ])
  })
})
