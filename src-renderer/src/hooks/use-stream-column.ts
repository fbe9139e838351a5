import { useCallback, useSyncExternalStore } from 'react'
import { useServices } from '../app-services'
import { pacedListener } from '../state/paced-listener'
import type { ColumnSnapshot } from '../state/stream-store'

/** How often a column out of view takes its new text (see paced-listener.ts). */
const OUT_OF_VIEW_INTERVAL_MS = 250

/**
 * One model's live answer from the stream store. Subscribed to that column only: other columns never render it.
 * `inView` false (a column scrolled out of view): its text arrives at a slower pace, its status changes at once.
 */
export function useStreamColumn(streamId: string, modelId: string, inView = true): ColumnSnapshot | undefined {
  const { streams } = useServices()
  const subscribe = useCallback(
    (listener: () => void) => {
      if (inView) return streams.subscribeColumn(streamId, modelId, listener)
      const paced = pacedListener(listener, () => streams.getColumn(streamId, modelId), OUT_OF_VIEW_INTERVAL_MS)
      const unsubscribe = streams.subscribeColumn(streamId, modelId, paced.notify)
      return () => {
        unsubscribe()
        paced.dispose()
      }
    },
    [streams, streamId, modelId, inView],
  )
  return useSyncExternalStore(subscribe, () => streams.getColumn(streamId, modelId))
}
