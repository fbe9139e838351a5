import { basename, isAbsolute } from 'node:path'
import type { ConversationDetail } from '../../shared/ipc-contract'
import type { InvokeHandlers } from '../ipc/ipc-router'
import type { HistoryStore } from './history-store'
import { toConversationDetail, toSearchResults } from './history-views'
import { conversationGoneError, exportToFile } from './export-to-file'
import { HistoryImportError } from './history-export'
import { importFileInWorker, importInWorker } from './import-in-worker'

type HistoryChannel = Extract<keyof InvokeHandlers, `history:${string}`>

/** The attachments folder as the history channels need it (core/attachments/attachment-store.ts). */
export interface AttachmentFiles {
  status(fileId: string): Promise<'ok' | 'missing' | 'damaged'>
  /** Files no conversation refers to any more; the folder keeps those the app still holds for an unsent prompt. */
  release(fileIds: readonly string[]): Promise<void>
  /** An intact file's bytes, for an export; undefined when it is missing or damaged. */
  read(fileId: string): Promise<Uint8Array | undefined>
  /** Keeps an imported file (already checked against its id). */
  put(bytes: Uint8Array): Promise<void>
}

/** The history channels of the IPC contract, on the store. `onChanged` tells renderers to reload their list. */
export function historyHandlers(
  store: HistoryStore,
  onChanged: () => void,
  now = () => new Date(),
  files?: AttachmentFiles,
  /** Where to write an export named so (a save dialog); undefined when the user cancels. */
  chooseExportPath: (fileName: string) => Promise<string | undefined> = async () => undefined,
): Pick<InvokeHandlers, HistoryChannel> {
  const changed = <T>(result: T) => (onChanged(), result)
  return {
    'history:list': ({ limit, offset }) =>
      store.listConversations({ ...(limit ? { limit } : {}), ...(offset ? { offset } : {}) }),
    'history:get': async (id) => {
      const conversation = store.getConversation(id)
      if (!conversation) return null
      const detail = toConversationDetail(conversation)
      return files ? withFileStatus(detail, files) : detail
    },
    'history:rename': (id, title) => void changed(requireFound(store.renameConversation(id, title))),
    'history:pin': (id, pinned) => void changed(requireFound(store.setPinned(id, pinned))),
    'history:delete': async (id) => {
      if (!files) return void changed(store.deleteConversation(id))
      const { deleted, unreferencedFiles } = store.deleteConversationAndFreeFiles(id)
      changed(deleted)
      await files.release(unreferencedFiles)
    },
    // Off this thread: a query over megabyte answers would hold it (and every live answer's drawing).
    'history:search': async (query) => toSearchResults(await store.searchOffThread(query)),
    'history:export': async ({ conversationId, format }) => {
      const title = conversationId === undefined ? 'history' : store.getConversation(conversationId)?.title
      if (title === undefined) throw conversationGoneError()
      const target = await chooseExportPath(exportFileName(title, format, now()))
      if (target === undefined) return { saved: false }
      // Written by a worker on its own connection, piece by piece: the text is never one string on this thread.
      const request = { format, ...(conversationId !== undefined && { conversationId }) }
      const { bytes } = await exportToFile(store, request, target, files?.read, { now })
      return { saved: true, fileName: basename(target), path: target, bytes }
    },
    'history:import': async (source) => {
      // Read, parsed, validated and inserted in a worker: a large file does not hold the event loop.
      if (typeof source !== 'string' && !isAbsolute(source.path)) {
        throw new HistoryImportError({
          reason: 'This file could not be read (its path is not absolute).',
          failure: 'unreadable',
          detail: 'the path is not absolute',
        })
      }
      const { summary, files: imported } =
        typeof source === 'string' ? await importInWorker(store, source) : await importFileInWorker(store, source.path)
      // After the conversations, which validated the whole file: a refused import stores no file.
      if (files) for (const bytes of imported.values()) await files.put(bytes)
      return changed({ conversations: summary.conversations, alreadyPresent: summary.alreadyPresent })
    },
    'history:backups': () => store.listBackups(),
    'history:restore-backup': async (date) => {
      const { added, completed, copies } = await store.restoreBackup(date)
      return changed({ added, completed, copies })
    },
  }
}

/** Marks each attachment whose file is gone or changed, so the exchange shows it as such instead of failing. */
async function withFileStatus(detail: ConversationDetail, files: AttachmentFiles): Promise<ConversationDetail> {
  const statuses = new Map<string, Promise<'ok' | 'missing' | 'damaged'>>()
  const statusOf = (fileId: string) => {
    if (!statuses.has(fileId)) statuses.set(fileId, files.status(fileId))
    return statuses.get(fileId)!
  }
  for (const turn of detail.turns) {
    for (const attachment of turn.attachments ?? []) {
      const status = await statusOf(attachment.id)
      if (status !== 'ok') attachment.status = status
    }
  }
  return detail
}

function requireFound(found: boolean): void {
  if (!found) throw conversationGoneError()
}

/** `streamdesk-<title>-<date>.md`: a name that sorts by date and says what is inside, safe on every OS. */
export function exportFileName(title: string, format: 'markdown' | 'json', date: Date): string {
  const slug =
    title
      .normalize('NFKC')
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'conversation'
  const day = date.toISOString().slice(0, 10)
  return `streamdesk-${slug}-${day}.${format === 'json' ? 'json' : 'md'}`
}
