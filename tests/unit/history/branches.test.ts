import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../support/manual-clock'
import { memoryHistory } from '../../support/memory-history'
import { MODELS } from './temp-history'

const [LLAMA] = MODELS as [{ id: string; label: string }]

/** one → two, both answered by one model; the turns are on streams s1 and s2. */
async function twoTurns() {
  const history = await memoryHistory(new ManualClock())
  const { store, conversations } = history
  const id = conversations.start('one')
  conversations.addTurn(id, 'one', 's1', [LLAMA])
  store.finishAnswer('s1', LLAMA.id, { status: 'complete', text: 'answer one' })
  conversations.addTurn(id, 'two', 's2', [LLAMA])
  store.finishAnswer('s2', LLAMA.id, { status: 'complete', text: 'answer two' })
  return { ...history, id }
}

const parents = (turns: Array<{ streamId: string; parentTurnId: number | null; id: number }>) =>
  turns.map((turn) => [turn.streamId, turns.find((t) => t.id === turn.parentTurnId)?.streamId ?? null])

describe('HistoryStore branches (edited prompts)', () => {
  it('adds a turn after a chosen turn, or as a new first turn, keeping the old branch', async () => {
    const { store, conversations, id } = await twoTurns()
    // "two" edited: the new prompt follows "one", beside "two".
    conversations.addTurn(id, 'two, edited', 's3', [LLAMA], 's1')
    // "one" edited: a new first turn.
    conversations.addTurn(id, 'one, edited', 's4', [LLAMA], null)
    // A follow-up without `after` goes after the latest turn, as before.
    conversations.addTurn(id, 'three', 's5', [LLAMA])
    const turns = store.getConversation(id)!.turns
    expect(parents(turns)).toEqual([
      ['s1', null],
      ['s2', 's1'],
      ['s3', 's1'],
      ['s4', null],
      ['s5', 's4'],
    ])
    expect(turns.map((turn) => turn.index)).toEqual([0, 1, 2, 3, 4])
    expect(() => conversations.addTurn(id, 'x', 's6', [LLAMA], 'missing')).toThrow('no longer in the conversation')
    expect(store.getConversation(id)!.turns).toHaveLength(5)
  })

  it('gives as context only the turns of the branch followed, not the one an edit replaced', async () => {
    const { store, conversations, id } = await twoTurns()
    conversations.addTurn(id, 'two, edited', 's3', [LLAMA], 's1')
    store.finishAnswer('s3', LLAMA.id, { status: 'complete', text: 'answer two, edited' })
    const on = (after?: string | null) => conversations.contextFor(id, [LLAMA.id], after)?.get(LLAMA.id)
    const one = [
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'answer one' },
    ]
    expect(on('s3')).toEqual([
      ...one,
      { role: 'user', content: 'two, edited' },
      { role: 'assistant', content: 'answer two, edited' },
    ])
    expect(on('s2')).toEqual([...one, { role: 'user', content: 'two' }, { role: 'assistant', content: 'answer two' }])
    // Without `after`: the branch of the latest turn.
    expect(on()).toEqual(on('s3'))
    expect(on(null)).toEqual([])
    expect(on('missing')).toBeUndefined()
    // Regenerating the edited turn sees its own branch only.
    expect(conversations.regenerationOf(id, 's3', LLAMA.id)).toEqual({ prompt: 'two, edited', context: one })
  })
})
