/**
 * Files attached but never sent (the composer cleared, the app quit) are referenced by no conversation: removed at
 * start, so the attachments folder holds only what the history shows. A file the app holds for an unsent prompt by
 * the time the sweep reaches it is kept.
 */
import type { AttachmentStore } from './attachment-store'

export async function sweepUnreferenced(
  store: AttachmentStore,
  referenced: ReadonlySet<string>,
  heldNow: (id: string) => boolean,
): Promise<number> {
  let removed = 0
  for (const id of await store.ids()) {
    if (referenced.has(id) || heldNow(id)) continue
    await store.remove(id)
    removed++
  }
  return removed
}
