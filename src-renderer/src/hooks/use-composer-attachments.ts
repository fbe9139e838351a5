import { useCallback, useMemo, useRef, useState, type ClipboardEvent, type DragEvent } from 'react'
import { MAX_ATTACHMENT_INPUT_BYTES, MAX_ATTACHMENTS_PER_PROMPT } from '../../../src-main/shared/attachment'
import type { AttachmentRef } from '../../../src-main/shared/attachment'
import { formatBytes } from '../../../src-main/shared/format-bytes'
import { useServices } from '../app-services'
import { useStrings } from '../i18n'
import type { ChipAttachment } from '../components/AttachmentChips'

export type ComposerAttachment = ChipAttachment & { ref?: AttachmentRef }

export interface ComposerAttachments {
  items: readonly ComposerAttachment[]
  /** Hands the files to main to prepare (type check, downscaling, text extraction); each becomes a chip at once. */
  add(files: readonly File[]): void
  remove(key: string): void
  clear(): void
  /** The prepared references, in order; undefined while a file is still being prepared. */
  ready(): AttachmentRef[] | undefined
  /** For the element files are pasted or dropped on (a composer's form): files become attachments, text stays text. */
  fileEvents: FileEvents
}

export interface FileEvents {
  onPaste(event: ClipboardEvent<HTMLElement>): void
  onDragOver(event: DragEvent<HTMLElement>): void
  onDrop(event: DragEvent<HTMLElement>): void
}

/**
 * The composer's attachments. The page only reads a file's bytes and sends them: main checks and prepares them,
 * off this thread. A file refused by main (or too large to send) is dropped with a toast that says why.
 */
export function useComposerAttachments(): ComposerAttachments {
  const { client, toasts } = useServices()
  const t = useStrings()
  const [items, setItems] = useState<ComposerAttachment[]>([])
  const nextKey = useRef(1)
  const itemsRef = useRef(items)
  itemsRef.current = items

  const add = useCallback(
    (files: readonly File[]) => {
      const room = MAX_ATTACHMENTS_PER_PROMPT - itemsRef.current.length
      for (const file of files.slice(0, Math.max(0, room))) {
        if (file.size > MAX_ATTACHMENT_INPUT_BYTES) {
          // Not even read: main would refuse it, and reading it would cost memory for nothing.
          toasts.show(t.attachments.tooLarge(file.name, formatBytes(MAX_ATTACHMENT_INPUT_BYTES)), 'error')
          continue
        }
        const key = `attachment-${nextKey.current++}`
        const kind = file.type.startsWith('image/') ? 'image' : file.type === 'application/pdf' ? 'pdf' : 'text'
        setItems((list) => [...list, { key, name: file.name || 'pasted', kind, sizeBytes: file.size }])
        void file
          .arrayBuffer()
          .then((buffer) =>
            client.call('attachments:add', { name: file.name || pastedName(file), bytes: new Uint8Array(buffer) }),
          )
          .then((ref) =>
            setItems((list) =>
              ref
                ? list.map((item) => (item.key === key ? { ...chipOf(ref), key, ref } : item))
                : list.filter((item) => item.key !== key),
            ),
          )
      }
      if (files.length > room) toasts.show(t.attachments.tooMany(MAX_ATTACHMENTS_PER_PROMPT), 'error')
    },
    [client, t, toasts],
  )
  const remove = useCallback((key: string) => setItems((list) => list.filter((item) => item.key !== key)), [])
  const clear = useCallback(() => setItems([]), [])
  const ready = useCallback(() => {
    const refs = itemsRef.current.map((item) => item.ref)
    return refs.every((ref) => ref !== undefined) ? (refs as AttachmentRef[]) : undefined
  }, [])
  const fileEvents = useMemo<FileEvents>(
    () => ({
      onPaste: (event) => {
        const files = [...event.clipboardData.files]
        if (files.length === 0) return
        event.preventDefault()
        add(files)
      },
      onDragOver: (event) => {
        if (event.dataTransfer.types.includes('Files')) event.preventDefault()
      },
      onDrop: (event) => {
        const files = [...event.dataTransfer.files]
        if (files.length === 0) return
        event.preventDefault()
        add(files)
      },
    }),
    [add],
  )
  return { items, add, remove, clear, ready, fileEvents }
}

export function chipOf(ref: AttachmentRef): Omit<ChipAttachment, 'key'> {
  return {
    id: ref.id,
    name: ref.name,
    kind: ref.kind,
    sizeBytes: ref.sizeBytes,
    ...(ref.pages !== undefined ? { pages: ref.pages } : {}),
  }
}

/** A pasted screenshot has no name of its own. */
function pastedName(file: File): string {
  const extension = file.type.split('/')[1]?.replace('jpeg', 'jpg') ?? 'bin'
  return `pasted.${extension}`
}
