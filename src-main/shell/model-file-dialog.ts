import { dialog, type BrowserWindow } from 'electron'
import type { UiLanguage } from '../shared/ui-language'

/** The dialog options for "add a model file from disk": one GGUF file (any file allowed, the core checks it). */
export function modelFileDialog(language: UiLanguage) {
  const ja = language === 'ja'
  return {
    title: ja ? 'GGUF モデルファイルを追加' : 'Add a GGUF model file',
    buttonLabel: ja ? 'モデルを追加' : 'Add model',
    properties: ['openFile', 'dontAddToRecent'] as Array<'openFile' | 'dontAddToRecent'>,
    filters: [
      { name: ja ? 'GGUF モデル' : 'GGUF model', extensions: ['gguf'] },
      { name: ja ? 'すべてのファイル' : 'All files', extensions: ['*'] },
    ],
  }
}

/** Asks for a GGUF file, attached to `parent` when it is open; undefined when the user cancels. */
export async function pickModelFile(
  parent: BrowserWindow | undefined,
  language: UiLanguage,
): Promise<string | undefined> {
  const options = modelFileDialog(language)
  const result =
    parent && !parent.isDestroyed()
      ? await dialog.showOpenDialog(parent, options)
      : await dialog.showOpenDialog(options)
  return result.canceled ? undefined : result.filePaths[0]
}
