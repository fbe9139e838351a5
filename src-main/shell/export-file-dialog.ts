import { app, dialog, type BrowserWindow } from 'electron'
import { join } from 'node:path'
import type { UiLanguage } from '../shared/ui-language'

/** Asks where to save a history export, offering `fileName` in Downloads; undefined when the user cancels. */
export async function chooseExportPath(
  parent: BrowserWindow | undefined,
  fileName: string,
  language: UiLanguage,
): Promise<string | undefined> {
  const json = fileName.endsWith('.json')
  const options = {
    title: language === 'ja' ? '履歴をエクスポート' : 'Export history',
    defaultPath: join(app.getPath('downloads'), fileName),
    properties: ['showOverwriteConfirmation', 'createDirectory'] as Array<
      'showOverwriteConfirmation' | 'createDirectory'
    >,
    filters: json
      ? [{ name: language === 'ja' ? 'StreamDesk の履歴（JSON）' : 'StreamDesk history (JSON)', extensions: ['json'] }]
      : [{ name: 'Markdown', extensions: ['md'] }],
  }
  const result =
    parent && !parent.isDestroyed()
      ? await dialog.showSaveDialog(parent, options)
      : await dialog.showSaveDialog(options)
  return result.canceled || !result.filePath ? undefined : result.filePath
}
