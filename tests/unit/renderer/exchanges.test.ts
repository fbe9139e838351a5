import { describe, expect, it } from 'vitest'
import type { ConversationDetail, StoredAnswer, StoredTurn } from '../../../src-main/shared/ipc-contract'
import {
  exchangesFromConversation,
  openStoredAnswers,
  refreshStoredAnswers,
  shownBranch,
  shownColumns,
  withRetry,
  withShownVersion,
} from '../../../src-renderer/src/state/exchanges'

const answer = (
  modelId: string,
  text: string,
  status: StoredAnswer['status'] = 'complete',
  extra: Partial<StoredAnswer> = {},
): StoredAnswer => ({
  id: 1,
  modelId,
  modelLabel: modelId.toUpperCase(),
  streamId: 'stream',
  attempt: 1,
  text,
  status,
  ...extra,
})

const turn = (index: number, prompt: string, answers: StoredAnswer[]): StoredTurn => ({
  id: 100 + index,
  index,
  parentTurnId: index === 0 ? null : 99 + index,
  prompt,
  streamId: `stream-${index}`,
  createdAt: 1_700_000_000_000 + index,
  answers,
})

const detail = (turns: StoredTurn[]): ConversationDetail => ({
  id: 'c1',
  title: 'A conversation',
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_100,
  pinned: false,
  turns,
})

function ids() {
  let next = 10
  return () => next++
}

describe('exchangesFromConversation', () => {
  it('gives one exchange per turn, oldest first, with the stored answers in column order under their stored labels', () => {
    const conversation = detail([
      turn(1, 'Second', [answer('b', 'B2'), answer('a', 'A2', 'error', { error: { code: 'http', message: 'boom' } })]),
      turn(0, 'First', [answer('a', 'A1'), answer('b', 'B1', 'interrupted')]),
    ])
    const exchanges = exchangesFromConversation(conversation, { nextId: ids(), isLive: () => false })
    expect(exchanges.map((e) => [e.id, e.prompt, e.streamId])).toEqual([
      [10, 'First', 'stream-0'],
      [11, 'Second', 'stream-1'],
    ])
    expect(exchanges[0]!.models).toEqual([
      { id: 'a', label: 'A' },
      { id: 'b', label: 'B' },
    ])
    expect(exchanges[1]!.models.map((m) => m.id)).toEqual(['b', 'a'])
    expect(exchanges[0]!.stored?.get('b')).toMatchObject({ text: 'B1', status: 'interrupted' })
    expect(exchanges[1]!.stored?.get('a')?.error).toEqual({ code: 'http', message: 'boom' })
  })

  it('leaves the answers of a stream this window follows to the stream store', () => {
    const conversation = detail([
      turn(0, 'First', [answer('a', 'A1')]),
      turn(1, 'Second', [answer('a', 'so f', 'streaming')]),
    ])
    const exchanges = exchangesFromConversation(conversation, {
      nextId: ids(),
      isLive: (streamId) => streamId === 'stream-1',
    })
    expect(exchanges[0]!.stored).toBeDefined()
    expect(exchanges[1]!.stored).toBeUndefined()
    expect(exchanges[1]!.models).toEqual([{ id: 'a', label: 'A' }])
    expect(openStoredAnswers(exchanges)).toEqual([])
  })

  it('gives an empty view for a conversation without turns', () => {
    expect(exchangesFromConversation(detail([]), { nextId: ids(), isLive: () => false })).toEqual([])
  })
})

describe('open stored answers', () => {
  it('lists stored answers that were still streaming or queued when read', () => {
    const exchanges = exchangesFromConversation(
      detail([
        turn(0, 'First', [answer('a', 'A1'), answer('b', 'B', 'interrupted')]),
        turn(1, 'Second', [answer('a', 'part', 'streaming'), answer('b', '', 'queued'), answer('c', 'x', 'stopped')]),
      ]),
      { nextId: ids(), isLive: () => false },
    )
    expect(openStoredAnswers(exchanges)).toEqual([
      { streamId: 'stream-1', modelId: 'a' },
      { streamId: 'stream-1', modelId: 'b' },
    ])
  })

  it('refreshes only the exchanges whose stored answers changed, keeping the others as they were', () => {
    const first = detail([turn(0, 'First', [answer('a', 'A1')]), turn(1, 'Second', [answer('a', 'part', 'streaming')])])
    const exchanges = exchangesFromConversation(first, { nextId: ids(), isLive: () => false })
    expect(refreshStoredAnswers(exchanges, first)).toBe(exchanges)

    const later = detail([
      turn(0, 'First', [answer('a', 'A1')]),
      turn(1, 'Second', [answer('a', 'partial, now whole', 'complete')]),
    ])
    const refreshed = refreshStoredAnswers(exchanges, later)
    expect(refreshed).not.toBe(exchanges)
    expect(refreshed[0]).toBe(exchanges[0])
    expect(refreshed[1]!.id).toBe(exchanges[1]!.id)
    expect(refreshed[1]!.stored?.get('a')).toMatchObject({ text: 'partial, now whole', status: 'complete' })
    expect(openStoredAnswers(refreshed)).toEqual([])
  })
})

describe('versions of a regenerated answer', () => {
  const retry = (modelId: string, text: string, attempt: number, status: StoredAnswer['status'] = 'complete') =>
    answer(modelId, text, status, { streamId: `retry-${attempt}`, attempt })

  it('reads every attempt of a model as a version, the turn keeping one column per model, newest shown', () => {
    const conversation = detail([
      turn(0, 'First', [answer('a', 'A1'), retry('a', 'A1 again', 2), retry('a', 'A1 third', 3), answer('b', 'B1')]),
    ])
    const [exchange] = exchangesFromConversation(conversation, { nextId: ids(), isLive: () => false })
    expect(exchange!.models.map((m) => m.id)).toEqual(['a', 'b'])
    const columns = shownColumns(exchange!)
    expect(columns.map((c) => [c.model.id, c.streamId, c.stored?.text, c.index, c.count])).toEqual([
      ['a', 'retry-3', 'A1 third', 2, 3],
      ['b', 'stream-0', 'B1', 0, 1],
    ])
    const first = withShownVersion(exchange!, 'a', 0)
    expect(shownColumns(first)[0]).toMatchObject({ streamId: 'stream-0', index: 0, count: 3 })
    expect(shownColumns(first)[0]!.stored?.text).toBe('A1')
    // Out of range: nothing changes.
    expect(withShownVersion(exchange!, 'a', 3)).toBe(exchange)
    expect(withShownVersion(exchange!, 'a', -1)).toBe(exchange)
  })

  it('adds a live version on its own stream and shows it, even when an older one was picked', () => {
    const [stored] = exchangesFromConversation(detail([turn(0, 'First', [answer('a', 'A1'), answer('b', 'B1')])]), {
      nextId: ids(),
      isLive: () => false,
    })
    const picked = withShownVersion(withRetry(stored!, 'a', 'new-1'), 'a', 0)
    expect(shownColumns(picked)[0]).toMatchObject({ streamId: 'stream-0', index: 0, count: 2 })
    const again = withRetry(picked, 'a', 'new-2')
    const [a, b] = shownColumns(again)
    expect(a).toMatchObject({ streamId: 'new-2', index: 2, count: 3 })
    expect(a!.stored).toBeUndefined()
    expect(b).toMatchObject({ streamId: 'stream-0', index: 0, count: 1 })
  })

  it('lists open stored versions by their own stream, and a refresh keeps live versions live', () => {
    const read = detail([turn(0, 'First', [answer('a', 'A1'), retry('a', 'so f', 2, 'streaming')])])
    const exchanges = exchangesFromConversation(read, { nextId: ids(), isLive: () => false })
    expect(openStoredAnswers(exchanges)).toEqual([{ streamId: 'retry-2', modelId: 'a' }])
    const withLive = [withRetry(exchanges[0]!, 'a', 'retry-3')]
    const later = detail([
      turn(0, 'First', [answer('a', 'A1'), retry('a', 'so far, done', 2), retry('a', '', 3, 'streaming')]),
    ])
    const [refreshed] = refreshStoredAnswers(withLive, later)
    expect(shownColumns(refreshed!)[0]).toMatchObject({ streamId: 'retry-3', index: 2, count: 3 })
    expect(shownColumns(refreshed!)[0]!.stored).toBeUndefined()
    expect(shownColumns(withShownVersion(refreshed!, 'a', 1))[0]!.stored?.text).toBe('so far, done')
    expect(openStoredAnswers([refreshed!])).toEqual([])
  })
})

describe('branches of an edited conversation', () => {
  // one → two; "two" edited (two′, after one); a follow-up three after the old two.
  const branched = () => {
    const turns = [
      turn(0, 'one', [answer('a', '1')]),
      turn(1, 'two', [answer('a', '2')]),
      { ...turn(2, "two'", [answer('a', "2'")]), parentTurnId: 100 },
      { ...turn(3, 'three', [answer('a', '3')]), parentTurnId: 101 },
    ]
    return exchangesFromConversation(detail(turns), { nextId: ids(), isLive: () => false })
  }
  const prompts = (path: Array<{ prompt: string }>) => path.map((e) => e.prompt)

  it('shows the branch of the latest turn by default, with the position among the prompts sent in one place', () => {
    const all = branched()
    const path = shownBranch(all, new Map())
    expect(prompts(path)).toEqual(['one', 'two', 'three'])
    expect(path.map((e) => e.branch)).toEqual([undefined, { index: 0, count: 2 }, undefined])
  })

  it('shows the chosen branch, and treats a list without parents as one linear path', () => {
    const all = branched()
    const path = shownBranch(all, new Map([[all[0]!.id, all[2]!.id]]))
    expect(prompts(path)).toEqual(['one', "two'"])
    expect(path[1]!.branch).toEqual({ index: 1, count: 2 })
    const linear = all.slice(0, 2).map(({ parentId: _, ...rest }) => rest)
    expect(prompts(shownBranch(linear, new Map()))).toEqual(['one', 'two'])
  })
})
