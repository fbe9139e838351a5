import { useEffect, useRef } from 'react'
import { useAttachmentPreview } from '../hooks/use-attachment-preview'
import { useStrings } from '../i18n'

/** An attached image, larger, in a modal dialog (Esc or Close closes it and gives the focus back). */
export function ImageViewer({ id, name, onClose }: { id: string; name: string; onClose(): void }) {
  const t = useStrings()
  const dialog = useRef<HTMLDialogElement>(null)
  const preview = useAttachmentPreview(id, 'full', true)
  useEffect(() => {
    const element = dialog.current
    if (element && !element.open) element.showModal?.()
    return () => element?.close?.()
  }, [])
  return (
    <dialog
      ref={dialog}
      className="image-viewer"
      aria-label={t.attachments.viewerLabel(name)}
      data-testid="image-viewer"
      onClose={onClose}
      onCancel={onClose}
    >
      {preview?.status === 'ok' ? (
        <img className="image-viewer-image" src={preview.dataUrl} alt={name} data-testid="image-viewer-image" />
      ) : preview ? (
        <p>{t.attachments.status[preview.status === 'damaged' ? 'damaged' : 'missing']}</p>
      ) : (
        <span className="spinner" aria-hidden="true" />
      )}
      <form method="dialog">
        <button type="submit" className="button" autoFocus>
          {t.attachments.close}
        </button>
      </form>
    </dialog>
  )
}
