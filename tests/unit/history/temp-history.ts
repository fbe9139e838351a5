/** Temp-folder history stores for the history tests, on a manual clock. */
import { closeSync, openSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { HistoryStore, type HistoryStoreOptions } from '../../../src-main/core/history/history-store'
import { ManualClock } from '../../support/manual-clock'
import { makeTempDirSync } from '../../support/temp-dir'

/** 2024-05-01T12:00:00.000Z: a fixed start, so timestamps and backup names are predictable. */
export const START = Date.UTC(2024, 4, 1, 12)

export function tempHistoryPath(): string {
  return join(makeTempDirSync('history'), 'history.sqlite')
}

/** A manual clock that starts at START instead of 0. */
export function startedClock(): ManualClock {
  const clock = new ManualClock()
  clock.advance(START)
  return clock
}

export async function openTempStore(options: HistoryStoreOptions & { path?: string } = {}) {
  const path = options.path ?? tempHistoryPath()
  const clock = options.clock instanceof ManualClock ? options.clock : startedClock()
  const store = await HistoryStore.open(path, { ...options, clock })
  return { store, path, clock }
}

export const MODELS = [
  { id: 'llama3-2', label: 'Llama 3.2' },
  { id: 'qwen2-5', label: 'Qwen 2.5' },
]

/** A conversation with one finished turn: each model answers with the given text. */
export function addAnsweredTurn(
  store: HistoryStore,
  conversationId: string,
  prompt: string,
  streamId: string,
  answers: string[],
): void {
  store.addTurn(conversationId, prompt, streamId, MODELS.slice(0, answers.length))
  answers.forEach((text, i) => store.finishAnswer(streamId, MODELS[i]!.id, { status: 'complete', text }))
}

/** Eight conversations whose two answers span several pages each: damage in the middle of the file hits them. */
export function addLongConversations(store: HistoryStore): void {
  for (let i = 0; i < 8; i++) {
    const { id } = store.createConversation(`conversation ${i}`)
    addAnsweredTurn(store, id, `prompt ${i}`, `stream-${i}`, [`answer ${i} `.repeat(1000), `other ${i} `.repeat(1000)])
  }
}

/**
 * Damage from outside: writes `bytes` (by default `length` bytes of 0xa5) at the page boundary nearest `fraction`
 * of the file, as a failing disk or a stray program would.
 */
export function overwritePages(
  path: string,
  fraction: number,
  length: number,
  bytes = Buffer.alloc(length, 0xa5),
): void {
  const at = Math.floor((statSync(path).size * fraction) / 4096) * 4096
  const fd = openSync(path, 'r+')
  writeSync(fd, bytes, 0, bytes.length, at)
  closeSync(fd)
}
