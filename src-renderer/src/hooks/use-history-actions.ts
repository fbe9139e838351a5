import { useMemo } from 'react'
import type { Attempt, StreamDeskClient } from '../api/streamdesk-client'
import { currentStrings } from '../i18n'
import type { ToastStore } from '../state/toast-store'

export type ExportFormat = 'markdown' | 'json'

export interface HistoryActions {
  rename(conversationId: string, title: string): Promise<boolean>
  setPinned(conversationId: string, pinned: boolean): Promise<boolean>
  remove(conversationId: string): Promise<boolean>
  /** One conversation, or all of them without an id: main writes the file where the user chooses. */
  exportHistory(format: ExportFormat, conversationId?: string): Promise<void>
  /** A JSON export chosen by the user; a bad file changes nothing and says why. */
  importFile(file: File): Promise<void>
}

/** What the sidebar can do to history. Each change makes main send `history:changed`, which reloads the list. */
export function useHistoryActions(
  client: StreamDeskClient,
  toasts: ToastStore,
  onDeleted: (id: string) => void,
): HistoryActions {
  return useMemo(() => {
    // These return nothing, so `call`'s undefined could not tell success from failure.
    const succeeded = (attempt: Attempt<unknown>) => {
      if (!attempt.ok) toasts.show(attempt.message, 'error')
      return attempt.ok
    }
    return {
      async rename(conversationId, title) {
        return succeeded(await client.attempt('history:rename', conversationId, title))
      },
      async setPinned(conversationId, pinned) {
        return succeeded(await client.attempt('history:pin', conversationId, pinned))
      },
      async remove(conversationId) {
        const done = succeeded(await client.attempt('history:delete', conversationId))
        if (done) onDeleted(conversationId)
        return done
      },
      async exportHistory(format, conversationId) {
        const attempt = await client.attempt('history:export', {
          format,
          ...(conversationId !== undefined && { conversationId }),
        })
        if (!attempt.ok) return toasts.show(currentStrings().history.exportFailed(attempt.message), 'error')
        // Main wrote the file where the user chose (a 100 M character history never comes through the window).
        if (attempt.result.saved) toasts.show(currentStrings().history.exported(attempt.result.path), 'info')
      },
      async importFile(file) {
        const strings = currentStrings().history
        // The desktop app hands main the file's path (main's worker reads it); a browser has only the text.
        const attempt = await client.attemptImport(file)
        // Main's words say whether anything was imported (a batched import may stop part-way).
        if (!attempt.ok) return toasts.show(attempt.message, 'error')
        toasts.show(strings.imported(attempt.result.conversations, attempt.result.alreadyPresent), 'info')
      },
    } satisfies HistoryActions
  }, [client, onDeleted, toasts])
}
