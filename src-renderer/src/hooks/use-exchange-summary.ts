import { useCallback, useMemo, useRef, useSyncExternalStore } from 'react'
import type { AnswerEndDetails, AnswerStatus, TokenUsage } from '../../../src-main/shared/answer'
import { useServices } from '../app-services'
import type { ShownColumn } from '../state/exchanges'

/** What an exchange's column strip shows of one answer: never its text, so deltas do not change it. */
export interface AnswerSummary {
  modelId: string
  label: string
  status: AnswerStatus
  end?: AnswerEndDetails
  usage?: TokenUsage
}

/**
 * The exchange's answers in summary, live from the stream store or as stored. The live snapshot keeps its identity
 * until a status, an end or a usage changes, so a text delta never re-renders the strip.
 */
export function useExchangeSummary(columns: readonly ShownColumn[]): readonly AnswerSummary[] {
  const { streams } = useServices()
  const cache = useRef<readonly AnswerSummary[]>([])
  const getSnapshot = useCallback((): readonly AnswerSummary[] => {
    const next = columns.map(({ model, streamId, stored }): AnswerSummary => {
      const source = stored ?? streams.getColumn(streamId, model.id)
      return {
        modelId: model.id,
        label: model.label,
        status: source?.status ?? 'streaming',
        ...(source?.end && { end: source.end }),
        ...(source?.usage && { usage: source.usage }),
      }
    })
    const previous = cache.current
    const same =
      previous.length === next.length &&
      previous.every(
        (p, i) =>
          p.modelId === next[i]!.modelId &&
          p.label === next[i]!.label &&
          p.status === next[i]!.status &&
          p.end === next[i]!.end &&
          p.usage === next[i]!.usage,
      )
    if (!same) cache.current = next
    return cache.current
  }, [columns, streams])
  // Stored answers never change under the strip: no need to follow the store for them.
  const allStored = useMemo(() => columns.every((column) => column.stored !== undefined), [columns])
  const subscribe = useCallback(
    (listener: () => void) => (allStored ? () => undefined : streams.subscribe(listener)),
    [allStored, streams],
  )
  return useSyncExternalStore(subscribe, getSnapshot)
}
