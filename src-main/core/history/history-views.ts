/**
 * The one place where the history store's records become the IPC contract's types: the renderer gets what it shows
 * and the ids it acts on (turn and answer ids, an answer's stream and attempt), not the store's bookkeeping
 * (timestamps of answers, the search mode), and every field is picked by name so nothing leaks by accident.
 */
import type { ConversationDetail, SearchHit, SearchResults, StoredAnswer, StoredTurn } from '../../shared/ipc-contract'
import type {
  AnswerRecord,
  ConversationRecord,
  HistorySearchHit,
  HistorySearchResults,
  TurnRecord,
} from './history-types'

export function toConversationDetail(record: ConversationRecord): ConversationDetail {
  const { id, title, createdAt, updatedAt, pinned } = record
  const systemPrompt = record.systemPrompt !== undefined ? { systemPrompt: record.systemPrompt } : {}
  return { id, title, createdAt, updatedAt, pinned, turns: record.turns.map(toStoredTurn), ...systemPrompt }
}

function toStoredTurn(turn: TurnRecord): StoredTurn {
  const { id, index, parentTurnId, prompt, streamId, createdAt } = turn
  return {
    id,
    index,
    parentTurnId,
    prompt,
    streamId,
    createdAt,
    answers: turn.answers.map(toStoredAnswer),
    ...(turn.attachments ? { attachments: turn.attachments.map((a) => structuredClone(a)) } : {}),
  }
}

function toStoredAnswer(answer: AnswerRecord): StoredAnswer {
  const { id, modelId, modelLabel, streamId, attempt, text, reasoning, status, error, usage, end } = answer
  return {
    id,
    modelId,
    modelLabel,
    streamId,
    attempt,
    text,
    reasoning,
    status,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
    ...(usage ? { usage: { ...usage } } : {}),
    // As the live stream's ending update says it: the token usage with the other details.
    ...(usage || end ? { end: { ...(usage ? { usage: { ...usage } } : {}), ...structuredClone(end) } } : {}),
  }
}

export function toSearchResults(results: HistorySearchResults): SearchResults {
  return { complete: results.complete, hits: results.hits.map(toSearchHit) }
}

function toSearchHit(hit: HistorySearchHit): SearchHit {
  const { kind, conversationId, conversationTitle, turnId, turnIndex, answer, at, snippet } = hit
  return {
    kind,
    conversationId,
    conversationTitle,
    turnId,
    turnIndex,
    at,
    snippet,
    ...(answer ? { answerId: answer.id, modelLabel: answer.modelLabel } : {}),
  }
}
