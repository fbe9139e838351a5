import { AnswerWriter } from '../../src-main/core/history/answer-writer'
import { HistoryStore } from '../../src-main/core/history/history-store'
import { StoredConversations } from '../../src-main/core/history/stored-conversations'
import { systemClock, type Clock } from '../../src-main/lib/clock'

/** The real history store, in memory, with its writer and the chat service's view of it. */
export async function memoryHistory(clock: Clock = systemClock) {
  const store = await HistoryStore.open(':memory:', { clock })
  const writer = new AnswerWriter({ sink: store, clock })
  let changes = 0
  const conversations = new StoredConversations(store, writer, () => (changes += 1))
  return { store, writer, conversations, changes: () => changes }
}
