import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { StreamDeskClient } from '../api/streamdesk-client'
import { currentStrings } from '../i18n'
import { isOpenStatus } from '../../../src-main/shared/answer'
import {
  exchangesFromConversation,
  openStoredAnswers,
  refreshStoredAnswers,
  shownBranch,
  withRetry,
  withShownVersion,
  type AnsweringModel,
  type Exchange,
} from '../state/exchanges'
import type { StreamStore } from '../state/stream-store'
import type { AttachmentRef, TurnAttachment, UndeliveredAttachment } from '../../../src-main/shared/attachment'
import type { ToastStore } from '../state/toast-store'

export type { AnsweringModel, Exchange } from '../state/exchanges'

/** Which conversation the view shows. A new `key` means another conversation: the view starts afresh. */
export interface ConversationViewState {
  key: number
  /** Undefined for a new chat until its first prompt has created the conversation. */
  conversationId: string | undefined
  /**
   * Scroll to this turn (a search hit), marking the search's words in it; `seq` makes a repeated request for the
   * same turn a new one.
   */
  scrollTo?: { turnIndex: number; seq: number; highlight?: string }
}

export interface Conversation {
  /** The branch on screen, first turn down. */
  exchanges: readonly Exchange[]
  view: ConversationViewState
  /** True while a `chat:send` is in flight (one at a time, so follow-ups keep their conversation id). */
  sending: boolean
  /** The conversation's system prompt, sent first to every model with each prompt; '' uses Settings' default. */
  systemPrompt: string
  setSystemPrompt(text: string): void
  /** Resolves to false when main refused the prompt (a toast says why). */
  send(prompt: string, models: readonly AnsweringModel[], attachments?: readonly AttachmentRef[]): Promise<boolean>
  /**
   * Sends `prompt` in place of an exchange's: a new branch after that exchange's parent (the old one is kept), with
   * the attachments of that exchange the edit kept.
   */
  edit(exchangeId: number, prompt: string, attachments: readonly TurnAttachment[]): Promise<boolean>
  /** Shows the `index`-th (0-based) of the prompts sent in this exchange's place (UI state: history keeps no choice). */
  showBranch(exchangeId: number, index: number): void
  stop(streamId: string, modelId?: string): void
  /** Asks one model again for its answer in an exchange; the earlier answer stays as a version. */
  regenerate(exchangeId: number, modelId: string): Promise<void>
  /**
   * Asks a model to go on from its answer cut off at the token limit (the version on `streamId`): a new version that
   * starts with the cut text and streams the rest after it.
   */
  continueCut(exchangeId: number, modelId: string, streamId: string): Promise<void>
  /** Shows version `index` (0-based) of a model's answer in an exchange (UI state: history keeps no choice). */
  showVersion(exchangeId: number, modelId: string, index: number): void
  /** Stops the open streams of the conversation on screen. */
  stopAll(): void
  newChat(): void
  /** Shows a stored conversation (scrolled to `turnIndex` if given); the next prompt continues it. */
  /** Opens a conversation, at a turn when given, with a search's words marked in it when given. */
  open(conversationId: string, turnIndex?: number, highlight?: string): Promise<void>
  /** A conversation was deleted: its answers stop, and if it is on screen the view becomes a new chat. */
  deleted(conversationId: string): void
}

/**
 * The conversation on screen. Leaving it (New chat, opening another) does not stop its answers: the main process
 * keeps streaming and saving them, and the stream store keeps following them, so coming back shows them live.
 */
export function useConversation(client: StreamDeskClient, streams: StreamStore, toasts: ToastStore): Conversation {
  const [allExchanges, setExchanges] = useState<readonly Exchange[]>([])
  // Which prompt is shown among those sent after the same exchange (key: its id, -1 before the first turn).
  const [chosen, setChosen] = useState<ReadonlyMap<number, number>>(new Map())
  const chosenRef = useRef(chosen)
  const choose = useCallback((parentId: number | null, exchangeId: number) => {
    chosenRef.current = new Map(chosenRef.current).set(parentId ?? -1, exchangeId)
    setChosen(chosenRef.current)
  }, [])
  const exchanges = useMemo(() => shownBranch(allExchanges, chosen), [allExchanges, chosen])
  // The list as of the last change, for callbacks that act on it (side effects stay out of state updaters).
  const current = useRef<readonly Exchange[]>([])
  const setExchangesTo = useCallback((change: (list: readonly Exchange[]) => readonly Exchange[]) => {
    current.current = change(current.current)
    setExchanges(current.current)
  }, [])
  const [view, setView] = useState<ConversationViewState>({ key: 0, conversationId: undefined })
  const viewRef = useRef(view)
  const setViewTo = useCallback((next: ConversationViewState) => {
    viewRef.current = next
    setView(next)
  }, [])
  const [sending, setSending] = useState(false)
  const [systemPrompt, setSystemPromptState] = useState('')
  const systemPromptRef = useRef('')
  const setSystemPrompt = useCallback((text: string) => {
    systemPromptRef.current = text
    setSystemPromptState(text)
  }, [])
  // Bumped whenever the view changes conversation, so a send or an open that returns afterwards knows it.
  const generation = useRef(0)
  const openRequest = useRef(0)
  const nextExchangeId = useRef(1)
  const nextScrollSeq = useRef(1)
  /** Which conversation each stream followed in this window belongs to (to stop them when it is deleted). */
  const streamConversations = useRef(new Map<string, string>())

  const stop = useCallback(
    (streamId: string, modelId?: string) => {
      void client.call('chat:stop', modelId === undefined ? { streamId } : { streamId, modelId })
    },
    [client],
  )

  const follow = useCallback(
    (streamId: string, conversationId: string, modelIds: readonly string[]) => {
      streamConversations.current.set(streamId, conversationId)
      streams.begin(streamId, modelIds)
    },
    [streams],
  )

  /** Sends `prompt` after `parent` (null: as a first turn). */
  const sendAfter = useCallback(
    async (
      prompt: string,
      models: readonly AnsweringModel[],
      parent: Exchange | null,
      attachments: readonly AttachmentRef[] = [],
      keptFrom?: string,
    ) => {
      const id = nextExchangeId.current++
      const sentIn = generation.current
      const conversationId = viewRef.current.conversationId
      const modelIds = models.map((model) => model.id)
      const parentId = parent?.id ?? null
      const sentFiles = attachments.length > 0 ? { attachments: attachments.map((ref) => ({ ...ref })) } : {}
      setExchangesTo((list) => [...list, { id, prompt, models, parentId, ...sentFiles }])
      choose(parentId, id)
      setSending(true)
      const after = parent ? parent.streamId : null
      const system = systemPromptRef.current
      const result = await client.call('chat:send', {
        prompt,
        modelIds,
        ...(conversationId !== undefined && { conversationId }),
        ...(conversationId !== undefined && after !== undefined && { after }),
        ...(system.trim() !== '' && { systemPrompt: system }),
        ...(attachments.length > 0 && { attachmentIds: attachments.map((ref) => ref.id) }),
        ...(keptFrom !== undefined && conversationId !== undefined && { keptFrom }),
      })
      if (sentIn !== generation.current) {
        // The user moved on meanwhile; the answers go on in the background (and into history).
        if (result) follow(result.streamId, result.conversationId, modelIds)
        return true
      }
      setSending(false)
      if (!result) {
        setExchangesTo((list) => list.filter((exchange) => exchange.id !== id))
        return false
      }
      follow(result.streamId, result.conversationId, modelIds)
      if (conversationId === undefined) setViewTo({ ...viewRef.current, conversationId: result.conversationId })
      const { streamId } = result
      const withheld = withWithheld(attachments, result.undelivered)
      setExchangesTo((list) =>
        list.map((exchange) =>
          exchange.id === id ? { ...exchange, streamId, ...(withheld ? { attachments: withheld } : {}) } : exchange,
        ),
      )
      return true
    },
    [choose, client, follow, setExchangesTo, setViewTo],
  )

  const send = useCallback(
    (prompt: string, models: readonly AnsweringModel[], attachments?: readonly AttachmentRef[]) =>
      sendAfter(prompt, models, shownBranch(current.current, chosenRef.current).at(-1) ?? null, attachments),
    [sendAfter],
  )

  const byId = (exchangeId: number | null | undefined) => current.current.find((exchange) => exchange.id === exchangeId)

  const edit = useCallback(
    async (exchangeId: number, prompt: string, attachments: readonly TurnAttachment[]) => {
      const edited = byId(exchangeId)
      if (!edited) return false
      // Which columns did not get a file is the new turn's own (main says, once it is sent).
      const kept = attachments.map(({ withheld: _withheld, ...ref }) => ref)
      return sendAfter(prompt, edited.models, byId(edited.parentId) ?? null, kept, edited.streamId)
    },
    [sendAfter],
  )

  const showBranch = useCallback(
    (exchangeId: number, index: number) => {
      const parentId = byId(exchangeId)?.parentId ?? null
      const sibling = current.current.filter((exchange) => (exchange.parentId ?? null) === parentId)[index]
      if (sibling) choose(parentId, sibling.id)
    },
    [choose],
  )

  const updateExchange = useCallback(
    (exchangeId: number, change: (exchange: Exchange) => Exchange) =>
      setExchangesTo((list) => list.map((exchange) => (exchange.id === exchangeId ? change(exchange) : exchange))),
    [setExchangesTo],
  )

  /** A new version of one model's answer in an exchange, on the stream `ask` returns (undefined: refused, toasted). */
  const addVersion = useCallback(
    async (
      exchangeId: number,
      modelId: string,
      ask: (conversationId: string, turnStreamId: string) => Promise<{ streamId: string } | undefined>,
    ) => {
      const conversationId = viewRef.current.conversationId
      const turnStreamId = current.current.find((exchange) => exchange.id === exchangeId)?.streamId
      if (conversationId === undefined || turnStreamId === undefined) return
      const sentIn = generation.current
      const result = await ask(conversationId, turnStreamId)
      if (!result) return
      follow(result.streamId, conversationId, [modelId])
      // Moved on meanwhile: the new version goes on in the background, and is there when the conversation reopens.
      if (sentIn !== generation.current) return
      updateExchange(exchangeId, (exchange) => withRetry(exchange, modelId, result.streamId))
    },
    [follow, updateExchange],
  )

  const regenerate = useCallback(
    (exchangeId: number, modelId: string) =>
      addVersion(exchangeId, modelId, (conversationId, turnStreamId) =>
        client.call('chat:regenerate', { conversationId, turnStreamId, modelId }),
      ),
    [addVersion, client],
  )

  // One request per cut answer at a time: a double click must not start two continuations.
  const continuing = useRef(new Set<string>())
  const continueCut = useCallback(
    async (exchangeId: number, modelId: string, streamId: string) => {
      const key = `${streamId}\n${modelId}`
      if (continuing.current.has(key)) return
      continuing.current.add(key)
      try {
        await addVersion(exchangeId, modelId, (conversationId) =>
          client.call('chat:continue', { conversationId, streamId, modelId }),
        )
      } finally {
        continuing.current.delete(key)
      }
    },
    [addVersion, client],
  )

  const showVersion = useCallback(
    (exchangeId: number, modelId: string, index: number) =>
      updateExchange(exchangeId, (exchange) => withShownVersion(exchange, modelId, index)),
    [updateExchange],
  )

  const stopAll = useCallback(() => {
    const shown = new Set(current.current.map((exchange) => exchange.streamId))
    for (const streamId of streams.streamingStreamIds()) if (shown.has(streamId)) stop(streamId)
    // Answers read from history while still open (e.g. after a reload) are not in the store as open.
    for (const { streamId, modelId } of openStoredAnswers(current.current)) stop(streamId, modelId)
  }, [stop, streams])

  const show = useCallback(
    (
      conversationId: string | undefined,
      list: readonly Exchange[],
      scrollTo?: ConversationViewState['scrollTo'],
      system = '',
    ) => {
      generation.current++
      setSystemPrompt(system)
      setExchangesTo(() => list)
      chosenRef.current = new Map()
      setChosen(chosenRef.current)
      setViewTo({ key: viewRef.current.key + 1, conversationId, ...(scrollTo && { scrollTo }) })
      setSending(false)
    },
    [setExchangesTo, setViewTo, setSystemPrompt],
  )

  const newChat = useCallback(() => {
    openRequest.current++
    show(undefined, [])
  }, [show])

  const open = useCallback(
    async (conversationId: string, turnIndex?: number, highlight?: string) => {
      const scrollTo =
        turnIndex === undefined
          ? undefined
          : { turnIndex, seq: nextScrollSeq.current++, ...(highlight !== undefined && { highlight }) }
      // Already on screen (with its live answers): only scroll.
      if (viewRef.current.conversationId === conversationId) {
        if (scrollTo) setViewTo({ ...viewRef.current, scrollTo })
        return
      }
      const request = ++openRequest.current
      const detail = await client.call('history:get', conversationId)
      if (request !== openRequest.current || detail === undefined) return
      if (detail === null) {
        toasts.show(currentStrings().history.gone, 'warning')
        return
      }
      const list = exchangesFromConversation(detail, {
        nextId: () => nextExchangeId.current++,
        isLive: (streamId) => streams.tracks(streamId),
      })
      show(conversationId, list, scrollTo, detail.systemPrompt ?? '')
    },
    [client, setViewTo, show, streams, toasts],
  )

  const deleted = useCallback(
    (conversationId: string) => {
      for (const [streamId, owner] of streamConversations.current) {
        if (owner !== conversationId) continue
        if (streams.streamingStreamIds().includes(streamId)) stop(streamId)
        streams.forget(streamId)
        streamConversations.current.delete(streamId)
      }
      if (viewRef.current.conversationId !== conversationId) return
      for (const { streamId, modelId } of openStoredAnswers(current.current)) stop(streamId, modelId)
      newChat()
    },
    [newChat, stop, streams],
  )

  // Stored answers that were still open when read: read the conversation again once their stream has ended.
  useEffect(() => {
    const conversationId = view.conversationId
    const open = openStoredAnswers(allExchanges)
    if (conversationId === undefined || open.length === 0) return
    let done = false
    const check = () => {
      if (done) return
      const ended = open.some(({ streamId, modelId }) => {
        const status = streams.getColumn(streamId, modelId)?.status
        return status !== undefined && !isOpenStatus(status)
      })
      if (!ended) return
      done = true
      void client.call('history:get', conversationId).then((detail) => {
        if (!detail || viewRef.current.conversationId !== conversationId) return
        setExchangesTo((list) => refreshStoredAnswers(list, detail))
      })
    }
    check()
    const unsubscribe = streams.subscribe(check)
    return () => {
      done = true
      unsubscribe()
    }
  }, [client, allExchanges, setExchangesTo, streams, view.conversationId])

  return {
    exchanges,
    view,
    sending,
    systemPrompt,
    setSystemPrompt,
    send,
    edit,
    showBranch,
    stop,
    regenerate,
    continueCut,
    showVersion,
    stopAll,
    newChat,
    open,
    deleted,
  }
}

/** The sent attachments with, on each, the columns that did not get it (as the history keeps them); undefined if none. */
function withWithheld(
  attachments: readonly AttachmentRef[],
  undelivered: Record<string, UndeliveredAttachment[]> | undefined,
): TurnAttachment[] | undefined {
  if (attachments.length === 0) return undefined
  return attachments.map((ref) => {
    const withheld = Object.fromEntries(
      Object.entries(undelivered ?? {}).flatMap(([modelId, list]) =>
        list.filter((u) => u.attachmentId === ref.id).map((u) => [modelId, u.reason]),
      ),
    )
    return Object.keys(withheld).length > 0 ? { ...ref, withheld } : { ...ref }
  })
}
