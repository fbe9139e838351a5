import { useEffect, useState } from 'react'
import type { AttachmentPreview } from '../../../src-main/shared/attachment'
import { useServices } from '../app-services'

/** A stored image as main shows it (a data URL); undefined while it loads or for anything that is not an image. */
export function useAttachmentPreview(
  id: string,
  size: 'thumbnail' | 'full',
  enabled: boolean,
): AttachmentPreview | undefined {
  const { client } = useServices()
  const [preview, setPreview] = useState<AttachmentPreview>()
  useEffect(() => {
    if (!enabled) return
    let current = true
    void client.attempt('attachments:preview', id, size).then((result) => {
      if (current) setPreview(result.ok ? result.result : { status: 'missing' })
    })
    return () => {
      current = false
    }
  }, [client, enabled, id, size])
  return preview
}
