import { useCallback, useSyncExternalStore } from 'react'
import { useServices } from '../app-services'
import type { ColumnSnapshot } from '../state/stream-store'

/** One model's live answer from the stream store. Subscribed to that column only: other columns never render it. */
export function useStreamColumn(streamId: string, modelId: string): ColumnSnapshot | undefined {
  const { streams } = useServices()
  const subscribe = useCallback(
    (listener: () => void) => streams.subscribeColumn(streamId, modelId, listener),
    [streams, streamId, modelId],
  )
  return useSyncExternalStore(subscribe, () => streams.getColumn(streamId, modelId))
}
