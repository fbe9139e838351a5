import { useCallback, useRef, useState, useSyncExternalStore } from 'react'
import type { StreamDeskClient } from '../api/streamdesk-client'
import { isOpenStatus } from '../../../src-main/shared/answer'
import type { AttachmentRef, UndeliveredAttachment } from '../../../src-main/shared/attachment'
import type { PickableModel } from '../state/mode-models'
import type { StreamStore } from '../state/stream-store'

/** The question on screen and its answer. Every question is a new conversation in history. */
export interface QuickExchange {
  /** Local id, new per question (the answer view's key). */
  id: number
  prompt: string
  model: PickableModel
  /** The files sent with the question. */
  attachments: readonly AttachmentRef[]
  /** Known once `chat:send` has returned. */
  streamId?: string
  conversationId?: string
  /** The attachments the model did not get, and why (known once `chat:send` has returned). */
  undelivered?: UndeliveredAttachment[]
}

export interface QuickAskState {
  exchange: QuickExchange | undefined
  /** Sent and not yet answered in full: Esc stops it instead of closing the window. */
  open: boolean
  /** Resolves to false when main refused the question (a toast says why). */
  ask(prompt: string, model: PickableModel, attachments: readonly AttachmentRef[]): Promise<boolean>
  stop(): void
}

export function useQuickAsk(client: StreamDeskClient, streams: StreamStore): QuickAskState {
  const [exchange, setExchange] = useState<QuickExchange>()
  const shown = useRef<QuickExchange | undefined>(undefined)
  const nextId = useRef(1)
  // Stop pressed before `chat:send` returned the stream id: stop as soon as it is known.
  const stopWanted = useRef(false)

  const show = useCallback((next: QuickExchange | undefined) => {
    shown.current = next
    setExchange(next)
  }, [])

  const stopStream = useCallback((streamId: string) => void client.call('chat:stop', { streamId }), [client])

  const ask = useCallback(
    async (prompt: string, model: PickableModel, attachments: readonly AttachmentRef[]) => {
      const id = nextId.current++
      stopWanted.current = false
      show({ id, prompt, model, attachments })
      const result = await client.call('chat:send', {
        prompt,
        modelIds: [model.id],
        ...(attachments.length > 0 && { attachmentIds: attachments.map((ref) => ref.id) }),
      })
      // A newer question replaced this one meanwhile; its answer goes on into history.
      if (shown.current?.id !== id) return true
      if (!result) {
        show(undefined)
        return false
      }
      streams.begin(result.streamId, [model.id])
      const { streamId, conversationId, undelivered } = result
      show({ id, prompt, model, attachments, streamId, conversationId, undelivered: undelivered?.[model.id] ?? [] })
      if (stopWanted.current) stopStream(result.streamId)
      return true
    },
    [client, show, stopStream, streams],
  )

  const stop = useCallback(() => {
    const streamId = shown.current?.streamId
    if (streamId === undefined) stopWanted.current = true
    else stopStream(streamId)
  }, [stopStream])

  const status = useSyncExternalStore(streams.subscribe, () =>
    exchange?.streamId === undefined ? undefined : streams.getColumn(exchange.streamId, exchange.model.id)?.status,
  )
  // Before its first update, a sent question counts as streaming.
  const open = exchange !== undefined && isOpenStatus(status ?? 'streaming')

  return { exchange, open, ask, stop }
}
