import { dialog, type BrowserWindow } from 'electron'

/** The dialog options for "add a model file from disk": one GGUF file (any file allowed, the core checks it). */
export const MODEL_FILE_DIALOG = {
  title: 'Add a GGUF model file',
  buttonLabel: 'Add model',
  properties: ['openFile', 'dontAddToRecent'] as Array<'openFile' | 'dontAddToRecent'>,
  filters: [
    { name: 'GGUF model', extensions: ['gguf'] },
    { name: 'All files', extensions: ['*'] },
  ],
}

/** Asks for a GGUF file, attached to `parent` when it is open; undefined when the user cancels. */
export async function pickModelFile(parent: BrowserWindow | undefined): Promise<string | undefined> {
  const result =
    parent && !parent.isDestroyed()
      ? await dialog.showOpenDialog(parent, MODEL_FILE_DIALOG)
      : await dialog.showOpenDialog(MODEL_FILE_DIALOG)
  return result.canceled ? undefined : result.filePaths[0]
}
