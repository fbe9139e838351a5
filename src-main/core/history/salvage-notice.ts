import { userMessage, type UserMessage } from '../../shared/user-message'
import type { Salvage } from './open-history-database'
import type { RestoredBackup } from './restore-backup'

/** What the user is told after a damaged history was set aside: what came back, from where, and where the file is. */
export function salvageNotice(salvage: Salvage, fromBackup: RestoredBackup | undefined): UserMessage {
  const added = (fromBackup?.added ?? 0) + (fromBackup?.copies ?? 0)
  const completed = fromBackup?.completed ?? 0
  if (salvage.conversations === 0 && added === 0 && completed === 0)
    return userMessage('history:salvaged-nothing', { hadBackup: fromBackup !== undefined, path: salvage.asidePath })
  return userMessage('history:salvaged', {
    fromFile: salvage.conversations,
    fromBackup: added,
    completed,
    ...(fromBackup ? { backupDate: fromBackup.date } : {}),
    path: salvage.asidePath,
  })
}
