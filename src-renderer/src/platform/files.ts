/**
 * Files in and out of the window, the same way in Electron and in a browser: no Node, no dialog API. A download
 * is a Blob behind an object URL clicked through `<a download>` (Electron turns it into a save); its URL is
 * revoked once the browser has taken the file.
 */
import type { ExportedFile } from '../../../src-main/shared/ipc-contract'

/** Long enough for the browser to have started reading the Blob; the URL only keeps the Blob alive. */
const REVOKE_AFTER_MS = 10_000

export function saveFile({ fileName, mimeType, content }: ExportedFile): void {
  const url = URL.createObjectURL(new Blob([content], { type: mimeType }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  link.hidden = true
  document.body.append(link)
  try {
    link.click()
  } finally {
    link.remove()
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS)
  }
}
