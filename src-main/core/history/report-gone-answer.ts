import type { GoneAnswer } from './answer-writer'
import type { HistoryStore } from './history-store'

/**
 * The writer found no streaming row for an answer it was writing. A deleted conversation is the user's doing (a
 * note in the log); an answer ended by another writer (another core on the same file) loses text, which the
 * diagnostics' errors must show. Counts only: never the text.
 */
export function reportGoneAnswer(
  store: Pick<HistoryStore, 'answerStatus'>,
  { streamId, modelId, unsavedChars }: GoneAnswer,
  diagnostics: { note(message: string): void; error(message: string): void },
): void {
  const status = store.answerStatus(streamId, modelId)
  const what = `history: answer ${modelId} on ${streamId}`
  if (status === undefined) {
    diagnostics.note(`${what} was deleted while streaming; ${unsavedChars} chars not saved`)
  } else {
    diagnostics.error(
      `${what} was ended (${status}) by another writer while streaming; ${unsavedChars} chars not saved`,
    )
  }
}
