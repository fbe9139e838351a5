import type { Salvage } from './open-history-database'
import type { RestoredBackup } from './restore-backup'

const plural = (count: number, one: string) => (count === 1 ? `1 ${one}` : `${count.toLocaleString('en')} ${one}s`)

/** What the user is told after a damaged history was set aside: what came back, from where, and where the file is. */
export function salvageNotice(salvage: Salvage, fromBackup: RestoredBackup | undefined): string {
  const kept = `The damaged file was kept, not deleted: ${salvage.asidePath}`
  const added = (fromBackup?.added ?? 0) + (fromBackup?.copies ?? 0)
  const completed = fromBackup?.completed ?? 0
  if (salvage.conversations === 0 && added === 0 && completed === 0) {
    return (
      'Your conversation history could not be read because the file is damaged, and nothing in it could be ' +
      `recovered${fromBackup ? ' (the newest backup held nothing more)' : ' (there is no backup yet)'}, so a new, ` +
      `empty history was started. ${kept}`
    )
  }
  const parts = [
    ...(salvage.conversations > 0 ? [`${plural(salvage.conversations, 'conversation')} from the damaged file`] : []),
    ...(added > 0 ? [`${plural(added, 'conversation')} from the backup of ${fromBackup!.date}`] : []),
  ]
  const filled =
    completed > 0
      ? ` (${plural(completed, 'conversation')} the damage had cut short came back whole from the backup of ${fromBackup!.date})`
      : ''
  return (
    `Your conversation history file was damaged. StreamDesk recovered ${parts.join(' and ')}${filled}; ` +
    `anything on the damaged parts of the file that no backup holds is lost. ${kept}`
  )
}
