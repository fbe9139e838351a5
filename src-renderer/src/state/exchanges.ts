/**
 * What the conversation view shows: one exchange per prompt. An exchange's answers either stream live (their
 * text lives in the StreamStore, one column each, repainted once per frame) or come from history, complete, and
 * are rendered once. Building exchanges from a stored conversation is pure, so it is tested without a DOM.
 */
import type { TurnAttachment } from '../../../src-main/shared/attachment'
import type { ConversationDetail, StoredAnswer, StoredTurn } from '../../../src-main/shared/ipc-contract'
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
  /** The exchange this one follows (local id), null for a first turn: edited prompts make the turns a tree. */
  parentId?: number | null
  /** The files sent with the prompt, each with the columns that did not get it; absent when none. */
  attachments?: readonly TurnAttachment[]
  /** Where this prompt sits among the prompts sent after the same exchange (an edit adds one); set on the path shown. */
  branch?: { index: number; count: number }
  /**
   * The answers as stored in history, by model id: text rendered once, never through the stream store. Absent
   * when the answers stream live in this window.
   */
  stored?: ReadonlyMap<string, StoredAnswer>
  /**
   * The regenerated answers (attempt 2 on) of each model that has any, oldest first, each on its own stream. The
   * turn's own answer (attempt 1, above) is version 1.
   */
  retries?: ReadonlyMap<string, readonly AnswerVersion[]>
  /**
   * Which version (0-based) each model's column shows; a model not in it shows its newest. UI state only: history
   * keeps every version and no choice, so a reopened conversation shows the newest again.
   */
  shown?: ReadonlyMap<string, number>
}

/** One version of a model's answer: live from the stream store (no `stored`) or as history keeps it. */
export interface AnswerVersion {
  streamId: string
  stored?: StoredAnswer
}

/** What one column of an exchange shows: the model, its shown version, and where that is among its versions. */
export interface ShownColumn {
  model: AnsweringModel
  streamId: string
  stored?: StoredAnswer
  /** 0-based. */
  index: number
  count: number
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
  const ids = new Map<number, number>()
  return [...detail.turns]
    .sort((a, b) => a.index - b.index)
    .map((turn): Exchange => {
      const firsts = firstAttempts(turn)
      const models = [...firsts.values()].map((answer) => ({ id: answer.modelId, label: answer.modelLabel }))
      const id = options.nextId()
      ids.set(turn.id, id)
      const parentId = turn.parentTurnId === null ? null : (ids.get(turn.parentTurnId) ?? null)
      const base = {
        id,
        prompt: turn.prompt,
        models,
        streamId: turn.streamId,
        parentId,
        ...(turn.attachments ? { attachments: turn.attachments } : {}),
      }
      const retries = retriesOf(turn, options.isLive)
      const withRetries = retries.size > 0 ? { ...base, retries } : base
      if (options.isLive(turn.streamId)) return withRetries
      return { ...withRetries, stored: firsts }
    })
}

/** Each model's answer given with the turn (its first attempt), in column order. */
function firstAttempts(turn: StoredTurn): Map<string, StoredAnswer> {
  const firsts = new Map<string, StoredAnswer>()
  for (const answer of turn.answers) if (!firsts.has(answer.modelId)) firsts.set(answer.modelId, answer)
  return firsts
}

/** The later attempts of each model, oldest first: live where this window follows their stream. */
function retriesOf(turn: StoredTurn, isLive: (streamId: string) => boolean): Map<string, AnswerVersion[]> {
  const retries = new Map<string, AnswerVersion[]>()
  const seen = new Set<string>()
  for (const answer of turn.answers) {
    if (!seen.has(answer.modelId)) {
      seen.add(answer.modelId)
      continue
    }
    const { streamId } = answer
    const list = retries.get(answer.modelId) ?? []
    list.push(isLive(streamId) ? { streamId } : { streamId, stored: answer })
    retries.set(answer.modelId, list)
  }
  return retries
}

/** The exchange a new prompt follows when none is named: the one before it in the list (a linear conversation). */
function parentOf(exchange: Exchange, index: number, all: readonly Exchange[]): number | null {
  return exchange.parentId !== undefined ? exchange.parentId : (all[index - 1]?.id ?? null)
}

/**
 * The branch on screen, first turn down: at each step the prompt `chosen` names among those sent after the same
 * exchange (key: that exchange's id, -1 before the first turn), else the one whose branch holds the latest turn.
 * Which branch is shown is UI state; a reopened conversation shows the branch of its latest turn. Exchanges with
 * siblings get their `branch` position.
 */
export function shownBranch(all: readonly Exchange[], chosen: ReadonlyMap<number, number>): Exchange[] {
  const children = new Map<number, Exchange[]>()
  const parents = all.map((exchange, index) => parentOf(exchange, index, all) ?? -1)
  all.forEach((exchange, index) => children.set(parents[index]!, [...(children.get(parents[index]!) ?? []), exchange]))
  // The latest turn (list position) in each exchange's branch: a turn always comes after the one it follows.
  const latest = new Map<number, number>()
  for (let index = all.length - 1; index >= 0; index--) {
    const id = all[index]!.id
    const own = Math.max(index, latest.get(id) ?? index)
    latest.set(id, own)
    latest.set(parents[index]!, Math.max(own, latest.get(parents[index]!) ?? -1))
  }
  const path: Exchange[] = []
  for (let key = -1; ;) {
    const siblings = children.get(key)
    if (!siblings) return path
    const pick = siblings.findIndex((exchange) => exchange.id === chosen.get(key))
    const index = pick >= 0 ? pick : newestBranch(siblings, latest)
    const exchange = siblings[index]!
    path.push(siblings.length > 1 ? { ...exchange, branch: { index, count: siblings.length } } : exchange)
    key = exchange.id
  }
}

function newestBranch(siblings: readonly Exchange[], latest: ReadonlyMap<number, number>): number {
  let best = 0
  siblings.forEach((exchange, index) => {
    if (latest.get(exchange.id)! > latest.get(siblings[best]!.id)!) best = index
  })
  return best
}

/** Every version of one model's answer in an exchange that has its stream, oldest first. */
export function versionsOf(exchange: Exchange, modelId: string): AnswerVersion[] {
  const stored = exchange.stored?.get(modelId)
  const first = { streamId: exchange.streamId!, ...(stored && { stored }) }
  return [first, ...(exchange.retries?.get(modelId) ?? [])]
}

/** The version each column shows: the one the user picked, else the newest. */
export function shownColumns(exchange: Exchange): ShownColumn[] {
  return exchange.models.map((model) => {
    const versions = versionsOf(exchange, model.id)
    const picked = exchange.shown?.get(model.id)
    const index = picked !== undefined && picked < versions.length ? picked : versions.length - 1
    return { model, ...versions[index]!, index, count: versions.length }
  })
}

/** A regenerated answer streaming on `streamId` becomes the model's newest version, and is shown. */
export function withRetry(exchange: Exchange, modelId: string, streamId: string): Exchange {
  const retries = new Map(exchange.retries)
  retries.set(modelId, [...(retries.get(modelId) ?? []), { streamId }])
  const shown = new Map(exchange.shown)
  shown.delete(modelId)
  return { ...exchange, retries, shown }
}

/** Shows version `index` (0-based) of a model's answer. */
export function withShownVersion(exchange: Exchange, modelId: string, index: number): Exchange {
  const count = versionsOf(exchange, modelId).length
  if (index < 0 || index >= count) return exchange
  return { ...exchange, shown: new Map(exchange.shown).set(modelId, index) }
}

/**
 * Stored answers that were still open (streaming or queued) when they were read, e.g. after a page reload while
 * the main process kept streaming: the view reads them again once their stream ends.
 */
export function openStoredAnswers(exchanges: readonly Exchange[]): Array<{ streamId: string; modelId: string }> {
  const open: Array<{ streamId: string; modelId: string }> = []
  for (const exchange of exchanges) {
    if (exchange.streamId === undefined) continue
    for (const model of exchange.models) {
      for (const { streamId, stored } of versionsOf(exchange, model.id)) {
        if (stored && isOpenStatus(stored.status)) open.push({ streamId, modelId: model.id })
      }
    }
  }
  return open
}

/**
 * The exchanges with their stored answers replaced by a fresher read of the same conversation. Exchanges that
 * did not change keep their identity (so their memoized views do not render again). Versions this window follows
 * live stay live.
 */
export function refreshStoredAnswers(exchanges: readonly Exchange[], detail: ConversationDetail): readonly Exchange[] {
  const turns = new Map(detail.turns.map((turn) => [turn.streamId, turn]))
  let changed = false
  const next = exchanges.map((exchange) => {
    const turn = exchange.streamId === undefined ? undefined : turns.get(exchange.streamId)
    if (!exchange.stored || !turn) return exchange
    const live = new Set<string>()
    const shown = new Map<string, StoredAnswer>()
    for (const model of exchange.models) {
      for (const version of versionsOf(exchange, model.id)) {
        if (version.stored) shown.set(`${version.streamId}\n${model.id}`, version.stored)
        else live.add(version.streamId)
      }
    }
    const differs = turn.answers.some((answer) => {
      // Attempt 1 is known by the turn's stream (the exchange's).
      const streamId = answer.attempt === 1 ? exchange.streamId! : answer.streamId
      if (live.has(streamId)) return false
      const before = shown.get(`${streamId}\n${answer.modelId}`)
      return !before || before.text !== answer.text || before.status !== answer.status
    })
    if (!differs) return exchange
    changed = true
    const retries = retriesOf(turn, (streamId) => live.has(streamId))
    return { ...exchange, stored: firstAttempts(turn), ...(retries.size > 0 && { retries }) }
  })
  return changed ? next : exchanges
}
