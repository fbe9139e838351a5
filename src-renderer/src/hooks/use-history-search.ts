import { useEffect, useRef, useState } from 'react'
import type { SearchResults } from '../../../src-main/shared/ipc-contract'
import type { StreamDeskClient } from '../api/streamdesk-client'

/** Typing pauses shorter than this do not search yet. */
export const SEARCH_DEBOUNCE_MS = 150

export interface HistorySearch {
  /** The latest answer; while a newer query is pending, the previous query's (so the list does not flicker). */
  results: SearchResults | undefined
  /** True while the current query has not been answered yet. */
  pending: boolean
}

/** Full-text search as you type: debounced, and an answer to an older query never replaces a newer one. */
export function useHistorySearch(client: StreamDeskClient, query: string, historyVersion: number): HistorySearch {
  const trimmed = query.trim()
  const [answered, setAnswered] = useState<{ query: string; results: SearchResults }>()
  const latest = useRef(0)

  useEffect(() => {
    const request = ++latest.current
    if (trimmed === '') {
      setAnswered(undefined)
      return
    }
    const timer = setTimeout(() => {
      void client.call('history:search', trimmed).then((results) => {
        if (request === latest.current && results) setAnswered({ query: trimmed, results })
      })
    }, SEARCH_DEBOUNCE_MS)
    return () => clearTimeout(timer)
  }, [client, trimmed, historyVersion])

  if (trimmed === '') return { results: undefined, pending: false }
  return { results: answered?.results, pending: answered?.query !== trimmed }
}
