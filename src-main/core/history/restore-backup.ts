/**
 * Adding a daily backup's conversations to the open history, as an import of the backup's own export (so every check
 * and the search index of an import apply). The backup itself is never opened: a copy is (opening may migrate it),
 * and removed afterwards.
 *
 * Conversation by conversation, by what each holds (its turns and answers, by their stream ids):
 *   - one the history lacks is added;
 *   - one the history holds in full, or with more (written after the backup), is left as it is;
 *   - one the history holds only in part (answers lost with damaged pages), with nothing the backup lacks, is
 *     replaced by the backup's fuller copy ("completed");
 *   - one where each has something the other lacks is added beside it as a copy, so neither is lost.
 */
import { copyFileSync, rmSync } from 'node:fs'
import { basename, join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { ensurePrivateFile } from '../../lib/private-files'
import { EXPORT_FORMAT, validateHistoryDocument, type ExportedConversation } from './history-export'
import type { ConversationRecord, ImportSummary } from './history-types'

/** The store methods restoring needs (HistoryStore has them). */
export interface RestoreTarget {
  getConversation(id: string): ConversationRecord | undefined
  deleteConversation(id: string): boolean
  importDocument(document: unknown): ImportSummary
  /** Runs `write` in one transaction: all of it is committed, or none. */
  inTransaction(write: () => void): void
}

export interface OpenedCopy {
  exportAll(format: 'json'): string
  close(): void
  readonly preMigrationBackup: string | undefined
}

export interface RestoredBackup {
  /** The backup's calendar date, e.g. 2024-05-01. */
  date: string
  /** Conversations the history lacked. */
  added: number
  /** Conversations the history held only in part, replaced by the backup's fuller copy. */
  completed: number
  /** Conversations where history and backup each held something the other did not: the backup's added beside. */
  copies: number
}

export async function addFromBackup(
  target: RestoreTarget,
  backupPath: string,
  openCopy: (path: string) => Promise<OpenedCopy>,
): Promise<RestoredBackup> {
  const conversations = await readBackup(backupPath, openCopy)
  const restored: RestoredBackup = { date: backupDate(backupPath), added: 0, completed: 0, copies: 0 }
  target.inTransaction(() => {
    const wanted: ExportedConversation[] = []
    for (const conversation of conversations) {
      const present = target.getConversation(conversation.id)
      if (!present) {
        restored.added++
        wanted.push(conversation)
        continue
      }
      const held = keysOf(present)
      const backedUp = keysOf(conversation)
      if ([...backedUp].every((key) => held.has(key))) continue
      if ([...held].some((key) => !backedUp.has(key))) {
        restored.copies++
      } else {
        restored.completed++
        target.deleteConversation(conversation.id)
      }
      wanted.push(conversation)
    }
    const document = { format: EXPORT_FORMAT, version: 2, exportedAt: new Date(0).toISOString(), conversations: wanted }
    if (wanted.length > 0) target.importDocument(document)
  })
  return restored
}

async function readBackup(
  backupPath: string,
  openCopy: (path: string) => Promise<OpenedCopy>,
): Promise<ExportedConversation[]> {
  const copyPath = join(backupPath, '..', `restoring-${randomUUID()}.sqlite`)
  // The copy's -wal/-shm, and the lock file a store opened on it takes.
  const leftovers = ['', '-wal', '-shm', '.lock'].map((companion) => copyPath + companion)
  try {
    ensurePrivateFile(copyPath)
    copyFileSync(backupPath, copyPath)
    const copy = await openCopy(copyPath)
    try {
      if (copy.preMigrationBackup) leftovers.push(copy.preMigrationBackup)
      return validateHistoryDocument(JSON.parse(copy.exportAll('json')))
    } finally {
      copy.close()
    }
  } finally {
    for (const path of leftovers) rmSync(path, { force: true })
  }
}

interface ConversationShape {
  turns: ReadonlyArray<{ streamId: string; answers: ReadonlyArray<{ streamId: string; modelId: string }> }>
}

/** A conversation's turns and answers, each by the stream that carried it (and its model). */
function keysOf(conversation: ConversationShape): Set<string> {
  return new Set(
    conversation.turns.flatMap((turn) => [turn.streamId, ...turn.answers.map((a) => `${a.streamId} ${a.modelId}`)]),
  )
}

export function backupDate(backupPath: string): string {
  return /(\d{4}-\d{2}-\d{2})/.exec(basename(backupPath))?.[1] ?? basename(backupPath)
}
