import { useCallback, useRef, useState } from 'react'
import type { StreamDeskClient } from '../api/streamdesk-client'
import type { StreamStore } from '../state/stream-store'

export interface AnsweringModel {
  id: string
  /** The label at the time of asking, so renaming or removing a model later does not relabel old answers. */
  label: string
}

export interface Exchange {
  /** Local id: the stream id only exists once `chat:send` returns. */
  id: number
  prompt: string
  models: readonly AnsweringModel[]
  streamId?: string
}

export interface Conversation {
  exchanges: readonly Exchange[]
  /** True while a `chat:send` is in flight (one at a time, so follow-ups keep their conversation id). */
  sending: boolean
  /** Resolves to false when main refused the prompt (a toast says why). */
  send(prompt: string, models: readonly AnsweringModel[]): Promise<boolean>
  stop(streamId: string, modelId?: string): void
  stopAll(): void
  newChat(): void
}

export function useConversation(client: StreamDeskClient, streams: StreamStore): Conversation {
  const [exchanges, setExchanges] = useState<readonly Exchange[]>([])
  // The list as of the last change, for callbacks that act on it (side effects stay out of state updaters).
  const current = useRef<readonly Exchange[]>([])
  const setExchangesTo = useCallback((change: (list: readonly Exchange[]) => readonly Exchange[]) => {
    current.current = change(current.current)
    setExchanges(current.current)
  }, [])
  const [sending, setSending] = useState(false)
  const conversationId = useRef<string | undefined>(undefined)
  // "New chat" bumps it, so a send that returns afterwards knows its conversation is gone.
  const generation = useRef(0)
  const nextExchangeId = useRef(1)

  const stop = useCallback(
    (streamId: string, modelId?: string) => {
      void client.call('chat:stop', modelId === undefined ? { streamId } : { streamId, modelId })
    },
    [client],
  )

  const send = useCallback(
    async (prompt: string, models: readonly AnsweringModel[]) => {
      const id = nextExchangeId.current++
      const sentIn = generation.current
      const modelIds = models.map((model) => model.id)
      setExchangesTo((list) => [...list, { id, prompt, models }])
      setSending(true)
      const result = await client.call('chat:send', {
        prompt,
        modelIds,
        ...(conversationId.current !== undefined && { conversationId: conversationId.current }),
      })
      setSending(false)
      if (sentIn !== generation.current) {
        if (result) {
          stop(result.streamId)
          streams.forget(result.streamId)
        }
        return true
      }
      if (!result) {
        setExchangesTo((list) => list.filter((exchange) => exchange.id !== id))
        return false
      }
      conversationId.current = result.conversationId
      streams.begin(result.streamId, modelIds)
      const { streamId } = result
      setExchangesTo((list) => list.map((exchange) => (exchange.id === id ? { ...exchange, streamId } : exchange)))
      return true
    },
    [client, setExchangesTo, stop, streams],
  )

  const stopAll = useCallback(() => {
    for (const streamId of streams.streamingStreamIds()) stop(streamId)
  }, [stop, streams])

  const newChat = useCallback(() => {
    generation.current++
    conversationId.current = undefined
    const live = new Set(streams.streamingStreamIds())
    for (const { streamId } of current.current) {
      if (streamId === undefined) continue
      if (live.has(streamId)) stop(streamId)
      streams.forget(streamId)
    }
    setExchangesTo(() => [])
    setSending(false)
  }, [setExchangesTo, stop, streams])

  return { exchanges, sending, send, stop, stopAll, newChat }
}
