import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../support/manual-clock'
import { memoryHistory } from '../../support/memory-history'
import { MODELS } from './temp-history'

const [LLAMA, QWEN] = MODELS as [{ id: string; label: string }, { id: string; label: string }]

/** A conversation with one turn answered by both models on stream s1. */
async function answeredTurn() {
  const history = await memoryHistory(new ManualClock())
  const { store, conversations } = history
  const id = conversations.start('one')
  conversations.addTurn(id, 'one', 's1', [LLAMA, QWEN])
  store.finishAnswer('s1', LLAMA.id, { status: 'complete', text: 'first try' })
  store.finishAnswer('s1', QWEN.id, { status: 'complete', text: 'qwen says' })
  return { ...history, id }
}

describe('HistoryStore attempts (regenerated answers)', () => {
  it('adds the next attempt on its own stream and reads every attempt back in order, in column order', async () => {
    const { store, conversations, id, changes } = await answeredTurn()
    const before = changes()
    expect(store.addAttempt(id, 's1', LLAMA, 'r1')).toMatchObject({ attempt: 2 })
    conversations.addAttempt(id, 's1', 'r2', LLAMA)
    expect(changes()).toBe(before + 1)
    // The answer writer finds each attempt by its own stream: progress on r2 leaves r1 alone.
    expect(store.appendAnswerProgress('r2', LLAMA.id, 'third')).toBe(true)
    expect(store.finishAnswer('r1', LLAMA.id, { status: 'complete', text: 'second try' })).toBe(true)
    const answers = store.getConversation(id)!.turns[0]!.answers
    expect(answers.map((a) => [a.modelId, a.attempt, a.streamId, a.text, a.status])).toEqual([
      [LLAMA.id, 1, 's1', 'first try', 'complete'],
      [LLAMA.id, 2, 'r1', 'second try', 'complete'],
      [LLAMA.id, 3, 'r2', 'third', 'streaming'],
      [QWEN.id, 1, 's1', 'qwen says', 'complete'],
    ])
  })

  it('refuses an attempt for a turn that is not in the conversation', async () => {
    const { store, id } = await answeredTurn()
    const other = store.createConversation('other').id
    expect(() => store.addAttempt(other, 's1', LLAMA, 'r1')).toThrow('no longer in the conversation')
    expect(() => store.addAttempt(id, 'nope', LLAMA, 'r1')).toThrow('no longer in the conversation')
    expect(store.getConversation(id)!.turns[0]!.answers).toHaveLength(2)
  })

  it("gives a later turn each model's newest answer with text as context, and regeneration the turn's own", async () => {
    const { store, conversations, id } = await answeredTurn()
    conversations.addAttempt(id, 's1', 'r1', LLAMA)
    store.finishAnswer('r1', LLAMA.id, { status: 'complete', text: 'second try' })
    // A newer attempt still without text (just started) does not replace the newest one that has text.
    conversations.addAttempt(id, 's1', 'r2', LLAMA)
    const context = conversations.contextFor(id, [LLAMA.id, QWEN.id])!
    expect(context.get(LLAMA.id)).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'second try' },
    ])
    expect(context.get(QWEN.id)).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'qwen says' },
    ])

    conversations.addTurn(id, 'two', 's2', [LLAMA])
    // Regenerating turn two: its prompt, and only the turns before it as context.
    expect(conversations.regenerationOf(id, 's2', LLAMA.id)).toEqual({
      prompt: 'two',
      context: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'second try' },
      ],
    })
    expect(conversations.regenerationOf(id, 's1', LLAMA.id)).toEqual({ prompt: 'one', context: [] })
    expect(conversations.regenerationOf(id, 'missing', LLAMA.id)).toBeUndefined()
    expect(conversations.regenerationOf('missing', 's1', LLAMA.id)).toBeUndefined()
  })
})
