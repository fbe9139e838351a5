/**
 * What the conversation view shows: one exchange per prompt. An exchange's answers either stream live (their
 * text lives in the StreamStore, one column each, repainted once per frame) or come from history, complete, and
 * are rendered once. Building exchanges from a stored conversation is pure, so it is tested without a DOM.
 */
import type { ConversationDetail, StoredAnswer } from '../../../src-main/shared/ipc-contract'
import { isOpenStatus } from '../../../src-main/shared/answer'

export interface AnsweringModel {
  id: string
  /** The label at the time of asking, so renaming or removing a model later does not relabel old answers. */
  label: string
}

export interface Exchange {
  /** Local id (the React key): the stream id only exists once `chat:send` returns. */
  id: number
  prompt: string
  models: readonly AnsweringModel[]
  streamId?: string
  /**
   * The answers as stored in history, by model id: text rendered once, never through the stream store. Absent
   * when the answers stream live in this window.
   */
  stored?: ReadonlyMap<string, StoredAnswer>
}

export interface BuildOptions {
  /** Hands out the local ids. */
  nextId(): number
  /**
   * True for a stream this window follows from its start (its whole text is in the stream store): such a turn is
   * shown live, so an answer still streaming keeps growing, and a finished one shows what arrived even if the
   * disk could not keep up.
   */
  isLive(streamId: string): boolean
}

/** A stored conversation's turns, oldest first, each with its answers in column order. */
export function exchangesFromConversation(detail: ConversationDetail, options: BuildOptions): Exchange[] {
  return [...detail.turns]
    .sort((a, b) => a.index - b.index)
    .map((turn): Exchange => {
      const models = turn.answers.map((answer) => ({ id: answer.modelId, label: answer.modelLabel }))
      const base = { id: options.nextId(), prompt: turn.prompt, models, streamId: turn.streamId }
      if (options.isLive(turn.streamId)) return base
      return { ...base, stored: new Map(turn.answers.map((answer) => [answer.modelId, answer])) }
    })
}

/**
 * Stored answers that were still open (streaming or queued) when they were read, e.g. after a page reload while
 * the main process kept streaming: the view reads them again once their stream ends.
 */
export function openStoredAnswers(exchanges: readonly Exchange[]): Array<{ streamId: string; modelId: string }> {
  const open: Array<{ streamId: string; modelId: string }> = []
  for (const exchange of exchanges) {
    if (!exchange.stored || exchange.streamId === undefined) continue
    for (const answer of exchange.stored.values()) {
      if (isOpenStatus(answer.status)) open.push({ streamId: exchange.streamId, modelId: answer.modelId })
    }
  }
  return open
}

/**
 * The exchanges with their stored answers replaced by a fresher read of the same conversation. Exchanges that
 * did not change keep their identity (so their memoized views do not render again).
 */
export function refreshStoredAnswers(exchanges: readonly Exchange[], detail: ConversationDetail): readonly Exchange[] {
  const turns = new Map(detail.turns.map((turn) => [turn.streamId, turn]))
  let changed = false
  const next = exchanges.map((exchange) => {
    const turn = exchange.streamId === undefined ? undefined : turns.get(exchange.streamId)
    if (!exchange.stored || !turn) return exchange
    const differs = turn.answers.some((answer) => {
      const shown = exchange.stored!.get(answer.modelId)
      return !shown || shown.text !== answer.text || shown.status !== answer.status
    })
    if (!differs) return exchange
    changed = true
    return { ...exchange, stored: new Map(turn.answers.map((answer) => [answer.modelId, answer])) }
  })
  return changed ? next : exchanges
}
