import { useState } from 'react'
import type { TurnAttachment } from '../../../src-main/shared/attachment'
import { formatBytes } from '../../../src-main/shared/format-bytes'
import { useAttachmentPreview } from '../hooks/use-attachment-preview'
import { useStrings } from '../i18n'
import { ImageViewer } from './ImageViewer'

/** A chip's attachment: a prepared one, or one main is still preparing (no id yet). */
export type ChipAttachment = Pick<TurnAttachment, 'name' | 'kind' | 'sizeBytes' | 'pages' | 'status'> & {
  /** Absent while main prepares the file. */
  id?: string
  /** A local key for the list while there is no id. */
  key: string
}

interface AttachmentChipsProps {
  attachments: readonly ChipAttachment[]
  /** Present in the composer: each chip gets a remove button. */
  onRemove?(key: string): void
}

/** Attachments as chips: a thumbnail (images) or an icon, the name and size; an image opens larger on click. */
export function AttachmentChips({ attachments, onRemove }: AttachmentChipsProps) {
  const t = useStrings()
  if (attachments.length === 0) return null
  return (
    <ul className="attachment-chips" aria-label={t.attachments.listLabel} data-testid="attachment-chips">
      {attachments.map((attachment) => (
        <AttachmentChip key={attachment.key} attachment={attachment} onRemove={onRemove} />
      ))}
    </ul>
  )
}

function AttachmentChip({ attachment, onRemove }: { attachment: ChipAttachment; onRemove?: (key: string) => void }) {
  const t = useStrings()
  const { id, name, kind, status } = attachment
  const [viewing, setViewing] = useState(false)
  const showImage = kind === 'image' && id !== undefined && status === undefined
  const thumbnail = useAttachmentPreview(id ?? '', 'thumbnail', showImage)
  const details = [
    id === undefined ? t.attachments.preparing : formatBytes(attachment.sizeBytes),
    ...(attachment.pages !== undefined ? [t.attachments.pages(attachment.pages)] : []),
    ...(status ? [t.attachments.status[status]] : []),
  ].join(' · ')
  const icon =
    showImage && thumbnail?.status === 'ok' ? (
      <img className="attachment-thumbnail" src={thumbnail.dataUrl} alt="" />
    ) : (
      <span className="attachment-icon" aria-hidden="true">
        {kind === 'image' ? '🖼' : kind === 'pdf' ? 'PDF' : 'TXT'}
      </span>
    )
  return (
    <li
      className="attachment-chip"
      data-testid="attachment-chip"
      data-kind={kind}
      data-status={status ?? (id === undefined ? 'preparing' : 'ok')}
    >
      {showImage ? (
        <button
          type="button"
          className="attachment-open"
          aria-label={t.attachments.view(name)}
          data-testid="attachment-open"
          onClick={() => setViewing(true)}
        >
          {icon}
        </button>
      ) : (
        icon
      )}
      <span className="attachment-text">
        <span className="attachment-name" data-testid="attachment-name" title={name}>
          <span className="visually-hidden">{t.attachments.kind[kind]}: </span>
          {name}
        </span>
        <span className="attachment-details muted">{details}</span>
      </span>
      {onRemove && (
        <button
          type="button"
          className="button small attachment-remove"
          data-testid="attachment-remove"
          aria-label={t.attachments.remove(name)}
          onClick={() => onRemove(attachment.key)}
        >
          ×
        </button>
      )}
      {viewing && id !== undefined && <ImageViewer id={id} name={name} onClose={() => setViewing(false)} />}
    </li>
  )
}
