import { dialog, type BrowserWindow } from 'electron'
import type { UiLanguage } from '../shared/ui-language'

const WORDS = {
  en: {
    title: 'Fill quick ask from the clipboard',
    message: 'Let quick ask read the clipboard?',
    detail:
      "Each time quick ask opens, StreamDesk will put the clipboard's text into its input. " +
      'You can turn this off again in Settings.',
    allow: 'Allow',
    cancel: 'Cancel',
  },
  ja: {
    title: 'クリップボードからクイック質問に入力',
    message: 'クイック質問にクリップボードの読み取りを許可しますか？',
    detail:
      'クイック質問を開くたびに、StreamDesk がクリップボードのテキストを入力欄に入れます。設定でいつでもオフにできます。',
    allow: '許可',
    cancel: 'キャンセル',
  },
} satisfies Record<UiLanguage, Record<string, string>>

/**
 * The native question that switching quick ask's clipboard prefill on takes (see the core's
 * `confirmClipboardPrefill`): drawn by the OS, so no page can show, fake or press it.
 */
export async function confirmClipboardPrefill(
  parent: BrowserWindow | undefined,
  language: UiLanguage,
): Promise<boolean> {
  const words = WORDS[language]
  const options = {
    type: 'question' as const,
    title: words.title,
    message: words.message,
    detail: words.detail,
    buttons: [words.allow, words.cancel],
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
