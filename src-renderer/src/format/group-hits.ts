import type { SearchHit } from '../../../src-main/shared/ipc-contract'

export interface HitGroup {
  conversationId: string
  conversationTitle: string
  hits: SearchHit[]
}

/**
 * Search hits by conversation, so a conversation that matches in several places shows once, with its hits under
 * it. Groups keep the order of their first (newest) hit; hits keep their order inside a group.
 */
export function groupHits(hits: readonly SearchHit[]): HitGroup[] {
  const groups = new Map<string, HitGroup>()
  for (const hit of hits) {
    const group = groups.get(hit.conversationId)
    if (group) group.hits.push(hit)
    else
      groups.set(hit.conversationId, {
        conversationId: hit.conversationId,
        conversationTitle: hit.conversationTitle,
        hits: [hit],
      })
  }
  return [...groups.values()]
}
