/**
 * The history's part of quitting: everything pending is tried once more, and what still cannot be written (a full
 * disk) is described, for the user (the shell shows it before the app exits) and for the log (ids and counts only,
 * never conversation text). The file is closed whatever happens.
 */
import { unsavedAtQuit, type AnswerWriter, type GoneAnswer } from './answer-writer'
import type { HistoryStore } from './history-store'
import { describeUnsaved, type UnsavedConversation } from './pending-changes'

export interface UnsavedAtQuit {
  /** For the user, naming the conversations. */
  message: string
  /** For the log: one line per kind of loss, with ids and counts. */
  logLines: string[]
}

/** Closes the history after a last try at writing; undefined when everything was saved. */
export function closeHistory(store: HistoryStore, writer: AnswerWriter): UnsavedAtQuit | undefined {
  try {
    // Answers first: one of a kept turn takes its last text in memory, and is written with the turn just after.
    writer.flush()
    store.retryPending()
    const changes = store.unsavedChanges()
    const unsaved = writer.unsaved()
    if (changes.length === 0 && unsaved.length === 0) return undefined
    // For the log, as they are (ids and counts); for the user, by conversation.
    const logLines = [
      ...(changes.length > 0 ? [changesAtQuit(changes)] : []),
      ...(unsaved.length > 0 ? [unsavedAtQuit(unsaved)] : []),
    ]
    const answers = unsaved.flatMap((answer) => {
      const conversationId = store.conversationOfStream(answer.streamId)
      // An answer of a kept turn or attempt: its tail counts with the conversation's kept changes.
      const changed = changes.find((entry) => entry.conversationId === conversationId)
      if (changed) return ((changed.answerChars += answer.unsavedChars), [])
      const title = conversationId === undefined ? undefined : store.getConversation(conversationId)?.title
      return [{ ...answer, ...(title !== undefined ? { title } : {}) }]
    })
    return { message: describeUnsavedAtQuit(changes, answers), logLines }
  } finally {
    writer.dispose()
    store.close()
  }
}

/** What `closeHistory` tells the user, from what was left: kept changes and other answers' unsaved tails. */
export function describeUnsavedAtQuit(
  changes: readonly UnsavedConversation[],
  answers: ReadonlyArray<GoneAnswer & { title?: string }>,
): string {
  const lines = [
    ...describeUnsaved(changes),
    ...answers.map(
      ({ title, unsavedChars }) =>
        `${title === undefined ? 'An answer' : `“${title}”`}: ${
          unsavedChars === 0
            ? 'the end of an answer'
            : `the last ${unsavedChars.toLocaleString('en-US')} characters of an answer`
        }`,
    ),
  ]
  return [
    'StreamDesk could not save all of your history before quitting: the disk is full or cannot be written to. ' +
      'These are lost:',
    ...lines.map((line) => `• ${line}`),
  ].join('\n')
}

function changesAtQuit(changes: readonly UnsavedConversation[]): string {
  const each = changes.map(
    ({ conversationId, kinds, answerChars }) => `${conversationId}: ${kinds.join(', ')}; ${answerChars} answer chars`,
  )
  return `history: changes to ${changes.length} conversation(s) kept while the disk was full could not be saved before quitting (${each.join('; ')})`
}
