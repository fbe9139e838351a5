import { dialog, type BrowserWindow } from 'electron'

/**
 * The native question that switching quick ask's clipboard prefill on takes (see the core's
 * `confirmClipboardPrefill`): drawn by the OS, so no page can show, fake or press it.
 */
export async function confirmClipboardPrefill(parent: BrowserWindow | undefined): Promise<boolean> {
  const options = {
    type: 'question' as const,
    title: 'Fill quick ask from the clipboard',
    message: 'Let quick ask read the clipboard?',
    detail:
      "Each time quick ask opens, StreamDesk will put the clipboard's text into its input. " +
      'You can turn this off again in Settings.',
    buttons: ['Allow', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
  }
  const { response } =
    parent && !parent.isDestroyed()
      ? await dialog.showMessageBox(parent, options)
      : await dialog.showMessageBox(options)
  return response === 0
}
