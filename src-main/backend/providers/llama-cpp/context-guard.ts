/**
 * The context-length guard for embedded models: when a conversation no longer fits the model's context, the
 * oldest turns are left out (system messages and the latest prompt are always kept) and the user is told.
 *
 * How the user is told: the note is the answer's first line, in italics, followed by a blank line. It travels as
 * ordinary answer text, so the column shows it, history stores it and the final marker's SHA-256 covers it, with
 * no change to the wire protocol, the reorder buffer, the history schema or the renderer (a separate `notice`
 * event would have to be carried through all of them, and through cloud mode's archive). The cost is that the note
 * is part of the stored answer; so that a continued conversation does not feed it back to the model as something
 * the model said, `stripTrimNote` removes it from earlier assistant turns before they become context.
 */
import type { ChatMessage } from '../../model-provider'

export interface FittedHistory {
  messages: ChatMessage[]
  /** How many messages were left out (oldest first). */
  dropped: number
  /** Tokens of the prompt that will be sent (the kept messages in the model's chat template). */
  promptTokens: number
}

export class ContextOverflowError extends Error {
  constructor(
    readonly promptTokens: number,
    readonly budget: number,
  ) {
    super(
      `The prompt needs ${promptTokens} tokens, more than the ${budget} this model's context leaves for it. Shorten it or start a new chat.`,
    )
    this.name = 'ContextOverflowError'
  }
}

/**
 * Keeps the leading system messages and the newest messages that fit `budget` tokens, counted by `countTokens`
 * (which renders the messages with the chat template). The kept part always starts with a user message.
 * Dropping more never needs more tokens, so the cut is found by binary search: O(log n) countings.
 */
export function fitHistory(
  messages: readonly ChatMessage[],
  countTokens: (messages: ChatMessage[]) => number,
  budget: number,
): FittedHistory {
  const system = takeLeadingSystem(messages)
  const turns = messages.slice(system.length)
  const candidate = (start: number) => [...system, ...turns.slice(start)]
  // Cut points: indexes of user messages, oldest first; the last one keeps only the latest prompt.
  const cuts = turns.flatMap((m, i) => (m.role === 'user' ? [i] : []))
  if (cuts.length === 0) cuts.push(0)
  const whole = countTokens(candidate(0))
  if (whole <= budget) return { messages: [...messages], dropped: 0, promptTokens: whole }
  let low = 0
  let high = cuts.length - 1
  const lastTokens = countTokens(candidate(cuts[high]!))
  if (lastTokens > budget) throw new ContextOverflowError(lastTokens, budget)
  let best = { start: cuts[high]!, tokens: lastTokens }
  // Find the smallest cut index (keeping the most) whose rendering fits.
  while (low < high) {
    const middle = Math.floor((low + high) / 2)
    const tokens = countTokens(candidate(cuts[middle]!))
    if (tokens <= budget) {
      best = { start: cuts[middle]!, tokens }
      high = middle
    } else {
      low = middle + 1
    }
  }
  return { messages: candidate(best.start), dropped: best.start, promptTokens: best.tokens }
}

function takeLeadingSystem(messages: readonly ChatMessage[]): ChatMessage[] {
  const system: ChatMessage[] = []
  for (const message of messages) {
    if (message.role !== 'system') break
    system.push(message)
  }
  return system
}

/** The note that leads an answer whose context was trimmed: an italic line and a blank line. */
export function trimNote(dropped: number, contextSize: number): string {
  const what = dropped === 1 ? '1 earlier message was' : `${dropped} earlier messages were`
  return `_${what} left out to fit this model's context of ${contextSize.toLocaleString('en-US')} tokens._\n\n`
}

const NOTE_PATTERN =
  /^_(?:1 earlier message was|\d+ earlier messages were) left out to fit this model's context of [\d,]+ tokens\._\n\n/

/** Removes the guard's note from the start of earlier answers, so it is never fed back to the model. */
export function stripTrimNote(messages: readonly ChatMessage[]): ChatMessage[] {
  return messages.map((m) =>
    m.role === 'assistant' && NOTE_PATTERN.test(m.content) ? { ...m, content: m.content.replace(NOTE_PATTERN, '') } : m,
  )
}
