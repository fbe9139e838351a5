import { describe, expect, it } from 'vitest'
import type { SearchHit } from '../../../src-main/shared/ipc-contract'
import { groupHits } from '../../../src-renderer/src/format/group-hits'

const hit = (conversationId: string, turnIndex: number, at: number): SearchHit => ({
  kind: 'answer',
  conversationId,
  conversationTitle: `Title ${conversationId}`,
  turnId: turnIndex,
  turnIndex,
  at,
  snippet: { text: 'x', matches: [] },
})

describe('groupHits', () => {
  it('groups by conversation in the order of each first (newest) hit, keeping the hits in order', () => {
    const hits = [hit('b', 3, 9), hit('a', 1, 8), hit('b', 1, 7), hit('c', 0, 6), hit('a', 0, 5)]
    expect(groupHits(hits).map((g) => [g.conversationId, g.conversationTitle, g.hits.map((h) => h.at)])).toEqual([
      ['b', 'Title b', [9, 7]],
      ['a', 'Title a', [8, 5]],
      ['c', 'Title c', [6]],
    ])
    expect(groupHits([])).toEqual([])
  })
})
