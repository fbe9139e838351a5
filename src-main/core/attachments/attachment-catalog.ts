/**
 * The attachments the renderer may name by id: those main prepared for it (`attachments:add`) in this session.
 * The renderer sends ids only, so what a file is (its kind, type, size) is always what main found, never what a page
 * claims. Bounded: a long session forgets its oldest unsent attachments, which the user then adds again.
 */
import type { AttachmentRef } from '../../shared/attachment'
import type { WireAttachment } from '../../backend/attachment-parts'
import type { AttachmentStore } from './attachment-store'
import { prepareAttachment } from './prepare-attachment'
import { UserFacingError } from '../user-facing-error'
import { userMessage } from '../../shared/user-message'

const REMEMBERED = 500

export class AttachmentCatalog {
  private readonly known = new Map<string, AttachmentRef>()

  constructor(readonly store: AttachmentStore) {}

  async add(name: string, bytes: Uint8Array): Promise<AttachmentRef> {
    const ref = await prepareAttachment(this.store, name, bytes)
    this.remember(ref)
    return ref
  }

  /** Makes a reference known again (one read back from history, for a regenerated answer). */
  remember(ref: AttachmentRef): void {
    this.known.delete(ref.id)
    this.known.set(ref.id, ref)
    if (this.known.size > REMEMBERED) this.known.delete(this.known.keys().next().value!)
  }

  /** Whether an unsent prompt may still name this file. */
  holds(id: string): boolean {
    return this.known.has(id)
  }

  /** The prompt that named these files is sent: its turn in the history refers to them from now on. */
  forget(ids: readonly string[]): void {
    for (const id of ids) this.known.delete(id)
  }

  /**
   * The references for these ids, in order; throws with a plain message for an id main did not prepare. `sentBefore`:
   * references history keeps with the turn an edited prompt replaces, which the edit may name again.
   */
  refs(ids: readonly string[], sentBefore: readonly AttachmentRef[] = []): AttachmentRef[] {
    return ids.map((id) => {
      const ref = this.known.get(id) ?? sentBefore.find((sent) => sent.id === id)
      if (!ref)
        throw new UserFacingError(
          'An attachment is no longer available: remove it and attach the file again.',
          userMessage('attachment:gone', {}),
        )
      return ref
    })
  }
}

/** A reference as the chat request carries it. */
export function wireAttachment(ref: AttachmentRef): WireAttachment {
  const { id, name, kind, mediaType, textId, objectKey, sizeBytes, pages } = ref
  return {
    id,
    name,
    kind,
    mediaType,
    ...(textId !== undefined ? { textId } : {}),
    ...(objectKey !== undefined ? { objectKey } : {}),
    sizeBytes,
    ...(pages !== undefined ? { pages } : {}),
  }
}
