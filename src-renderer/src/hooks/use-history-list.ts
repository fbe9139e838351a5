import { useCallback, useEffect, useRef, useState } from 'react'
import type { ConversationSummary } from '../../../src-main/shared/ipc-contract'
import type { StreamDeskClient } from '../api/streamdesk-client'

/** Conversations per page ("Load more" fetches the next one). */
export const HISTORY_PAGE_SIZE = 50
/** The most `history:list` returns in one call. */
const MAX_LIST_LIMIT = 500

export interface HistoryList {
  /** Undefined until the first page has loaded. */
  conversations: readonly ConversationSummary[] | undefined
  hasMore: boolean
  loadingMore: boolean
  loadMore(): void
  /** Bumped on every `history:changed`, for views that depend on history too (search results). */
  version: number
}

/**
 * The conversation list: the first page at start, more on request, and on `history:changed` everything shown so
 * far read again (as many as were shown, so a reload never shortens the list under the user's eyes).
 */
export function useHistoryList(client: StreamDeskClient): HistoryList {
  const [conversations, setConversations] = useState<readonly ConversationSummary[]>()
  const [hasMore, setHasMore] = useState(false)
  const [loadingMore, setLoadingMore] = useState(false)
  const [version, setVersion] = useState(0)
  const shown = useRef<readonly ConversationSummary[]>([])
  // A reload supersedes every load before it; a page that arrives after a reload began is dropped.
  const latestLoad = useRef(0)

  const reload = useCallback(async () => {
    const load = ++latestLoad.current
    const wanted = Math.max(HISTORY_PAGE_SIZE, shown.current.length)
    const items: ConversationSummary[] = []
    // One more than wanted tells whether there is more.
    while (items.length <= wanted) {
      const limit = Math.min(MAX_LIST_LIMIT, wanted + 1 - items.length)
      const page = await client.call('history:list', { limit, offset: items.length })
      if (load !== latestLoad.current || !page) return
      items.push(...page)
      if (page.length < limit) break
    }
    shown.current = items.slice(0, wanted)
    setConversations(shown.current)
    setHasMore(items.length > wanted)
  }, [client])

  useEffect(() => {
    void reload()
    return client.on('history:changed', () => {
      setVersion((value) => value + 1)
      void reload()
    })
  }, [client, reload])

  const loadMore = useCallback(async () => {
    const load = latestLoad.current
    const offset = shown.current.length
    setLoadingMore(true)
    const page = await client.call('history:list', { limit: HISTORY_PAGE_SIZE + 1, offset })
    setLoadingMore(false)
    if (load !== latestLoad.current || !page) return
    const known = new Set(shown.current.map((conversation) => conversation.id))
    shown.current = [...shown.current, ...page.slice(0, HISTORY_PAGE_SIZE).filter((c) => !known.has(c.id))]
    setConversations(shown.current)
    setHasMore(page.length > HISTORY_PAGE_SIZE)
  }, [client])

  return { conversations, hasMore, loadingMore, loadMore: useCallback(() => void loadMore(), [loadMore]), version }
}
