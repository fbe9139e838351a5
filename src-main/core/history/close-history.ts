/**
 * The history's part of quitting: everything pending is tried once more, and what still cannot be written (a full
 * disk) is described, for the user (the shell shows it before the app exits) and for the log (ids and counts only,
 * never conversation text). The file is closed whatever happens.
 */
import { unsavedAtQuit, type AnswerWriter, type GoneAnswer } from './answer-writer'
import type { HistoryStore } from './history-store'
import { describeUnsaved, type UnsavedConversation } from './pending-changes'
import type { UiLanguage } from '../../shared/ui-language'

export interface UnsavedAtQuit {
  /** For the user, naming the conversations. */
  message: string
  /** For the log: one line per kind of loss, with ids and counts. */
  logLines: string[]
}

/**
 * Closes the history after a last try at writing; undefined when everything was saved. `language`: the UI's, for the
 * user's message (shown in a native message box, which no page words).
 */
export function closeHistory(
  store: HistoryStore,
  writer: AnswerWriter,
  language: UiLanguage = 'en',
): UnsavedAtQuit | undefined {
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
    return { message: describeUnsavedAtQuit(changes, answers, language), logLines }
  } finally {
    writer.dispose()
    store.close()
  }
}

/** What `closeHistory` tells the user, from what was left: kept changes and other answers' unsaved tails. */
export function describeUnsavedAtQuit(
  changes: readonly UnsavedConversation[],
  answers: ReadonlyArray<GoneAnswer & { title?: string }>,
  language: UiLanguage = 'en',
): string {
  const words = QUIT_WORDS[language]
  const lines = [
    ...describeUnsaved(changes, language),
    ...answers.map(
      ({ title, unsavedChars }) =>
        `${title === undefined ? words.anAnswer : `“${title}”`}: ${
          unsavedChars === 0 ? words.answerEnd : words.answerTail(unsavedChars)
        }`,
    ),
  ]
  return [words.headline, ...lines.map((line) => `• ${line}`)].join('\n')
}

const QUIT_WORDS = {
  en: {
    headline:
      'StreamDesk could not save all of your history before quitting: the disk is full or cannot be written to. ' +
      'These are lost:',
    anAnswer: 'An answer',
    answerEnd: 'the end of an answer',
    answerTail: (chars: number) => `the last ${chars.toLocaleString('en-US')} characters of an answer`,
  },
  ja: {
    headline:
      'ディスクの空き容量がないか書き込めないため、StreamDesk は終了前に履歴をすべて保存できませんでした。' +
      '次の内容は失われます:',
    anAnswer: '回答',
    answerEnd: '回答の終わり',
    answerTail: (chars: number) => `回答の最後の ${chars.toLocaleString('ja')} 文字`,
  },
} satisfies Record<UiLanguage, unknown>

function changesAtQuit(changes: readonly UnsavedConversation[]): string {
  const each = changes.map(
    ({ conversationId, kinds, answerChars }) => `${conversationId}: ${kinds.join(', ')}; ${answerChars} answer chars`,
  )
  return `history: changes to ${changes.length} conversation(s) kept while the disk was full could not be saved before quitting (${each.join('; ')})`
}
