/**
 * Child process for the crash-safety test: `node --import tsx stream-into-store.ts <dbPath>`. Streams one answer
 * into the store through the AnswerWriter, a delta every 2 ms, and never finishes it: the parent kills it.
 * stdout: `ready <conversationId>`, then `sent <deltaCount> <elapsedMs>` after each delta, and `committed
 * <deltaCount>` each time an append or a transaction holding that many deltas has been committed.
 */
import { systemClock } from '../../../src-main/lib/clock'
import { AnswerWriter, type AnswerSink } from '../../../src-main/core/history/answer-writer'
import { HistoryStore } from '../../../src-main/core/history/history-store'
import { streamedDelta } from './streamed-text'

const dbPath = process.argv[2]
if (!dbPath) throw new Error('usage: stream-into-store.ts <dbPath>')

const store = await HistoryStore.open(dbPath)
const { id } = store.createConversation('Crash test')
store.addTurn(id, 'Stream until killed', 'crash-stream', [{ id: 'model-a', label: 'Model A' }])
let appended = 0
/** The store, saying when a commit is done and how many deltas it holds (what SIGKILL must not take away). */
const sink: AnswerSink = {
  appendProgress(pieces) {
    const holding = appended
    const found = store.appendProgress(pieces)
    process.stdout.write(`committed ${holding}\n`)
    return found
  },
  finishAnswer: (...args) => store.finishAnswer(...args),
  inTransaction(write) {
    const holding = appended
    store.inTransaction(write)
    process.stdout.write(`committed ${holding}\n`)
  },
}
const writer = new AnswerWriter({
  sink,
  clock: systemClock,
  onError: (problem) => process.stderr.write(`${problem.message}\n`),
})
process.stdout.write(`ready ${id}\n`)

const start = performance.now()
let sent = 0
function next(): void {
  appended += 1
  writer.append('crash-stream', 'model-a', streamedDelta(sent))
  sent += 1
  process.stdout.write(`sent ${sent} ${Math.round(performance.now() - start)}\n`)
  // A safety net: never outlive a parent that forgot to kill us.
  if (performance.now() - start < 20_000) setTimeout(next, 2)
}
next()
