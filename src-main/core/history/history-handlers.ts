import type { ExportedFile } from '../../shared/ipc-contract'
import type { InvokeHandlers } from '../ipc/ipc-router'
import type { HistoryStore } from './history-store'
import { toConversationDetail, toSearchResults } from './history-views'

type HistoryChannel = Extract<keyof InvokeHandlers, `history:${string}`>

/** The history channels of the IPC contract, on the store. `onChanged` tells renderers to reload their list. */
export function historyHandlers(
  store: HistoryStore,
  onChanged: () => void,
  now = () => new Date(),
): Pick<InvokeHandlers, HistoryChannel> {
  const changed = <T>(result: T) => (onChanged(), result)
  return {
    'history:list': ({ limit, offset }) =>
      store.listConversations({ ...(limit ? { limit } : {}), ...(offset ? { offset } : {}) }),
    'history:get': (id) => {
      const conversation = store.getConversation(id)
      return conversation ? toConversationDetail(conversation) : null
    },
    'history:rename': (id, title) => void changed(requireFound(store.renameConversation(id, title))),
    'history:pin': (id, pinned) => void changed(requireFound(store.setPinned(id, pinned))),
    'history:delete': (id) => void changed(store.deleteConversation(id)),
    'history:search': (query) => toSearchResults(store.search(query)),
    'history:export': async ({ conversationId, format }) => {
      const content =
        conversationId === undefined
          ? await store.exportAllInSlices(format)
          : store.exportConversation(conversationId, format)
      if (content === undefined) throw new Error('That conversation no longer exists.')
      const title =
        conversationId === undefined ? 'history' : (store.getConversation(conversationId)?.title ?? 'conversation')
      return exportedFile(title, format, content, now())
    },
    'history:import': (json) => {
      const { conversations, alreadyPresent } = store.importJson(json)
      return changed({ conversations, alreadyPresent })
    },
    'history:backups': () => store.listBackups(),
    'history:restore-backup': async (date) => {
      const { added, completed, copies } = await store.restoreBackup(date)
      return changed({ added, completed, copies })
    },
  }
}

function requireFound(found: boolean): void {
  if (!found) throw new Error('That conversation no longer exists.')
}

/** `streamdesk-<title>-<date>.md`: a name that sorts by date and says what is inside, safe on every OS. */
export function exportedFile(title: string, format: 'markdown' | 'json', content: string, date: Date): ExportedFile {
  const slug =
    title
      .normalize('NFKC')
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'conversation'
  const day = date.toISOString().slice(0, 10)
  return format === 'json'
    ? { fileName: `streamdesk-${slug}-${day}.json`, mimeType: 'application/json', content }
    : { fileName: `streamdesk-${slug}-${day}.md`, mimeType: 'text/markdown', content }
}
