/**
 * What the app does when it cannot start (a settings file it cannot read, a port problem, any exception while the
 * core starts): a native dialog that says why and offers a way out, then the process ends, so the single-instance
 * lock is released and the next launch starts afresh instead of poking a broken instance. No `electron` here (the
 * dialog's options are plain data), so Node tests check the decisions.
 */
import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import type { MessageBoxSyncOptions } from 'electron'
import { errorMessage } from '../lib/error-message'
import type { UiLanguage } from '../shared/ui-language'

export type StartFailureChoice = 'quit' | 'open-data-folder' | 'reset-settings'

/** The buttons in order: the dialog's response is an index into this. */
const CHOICES: readonly StartFailureChoice[] = ['quit', 'open-data-folder', 'reset-settings']

/** The dialog's words in the UI's language (the OS's when the settings could not be read). */
const WORDS = {
  en: {
    message: 'StreamDesk could not start.',
    where: (userDataDir: string) =>
      `Your conversations and settings are in ${userDataDir}. ` +
      'Reset settings keeps the current settings file beside it as a backup; conversations are not touched.',
    buttons: {
      quit: 'Quit',
      'open-data-folder': 'Open the data folder',
      'reset-settings': 'Reset settings and restart',
    },
  },
  ja: {
    message: 'StreamDesk を起動できませんでした。',
    where: (userDataDir: string) =>
      `会話と設定は ${userDataDir} にあります。` +
      '設定をリセットすると、現在の設定ファイルはバックアップとして同じ場所に残ります。会話には影響しません。',
    buttons: {
      quit: '終了',
      'open-data-folder': 'データフォルダーを開く',
      'reset-settings': '設定をリセットして再起動',
    },
  },
} satisfies Record<UiLanguage, { buttons: Record<StartFailureChoice, string> } & Record<string, unknown>>

export function startFailureDialog(
  error: unknown,
  userDataDir: string,
  language: UiLanguage = 'en',
): MessageBoxSyncOptions {
  const words = WORDS[language]
  return {
    type: 'error',
    title: 'StreamDesk',
    message: words.message,
    detail: `${errorMessage(error).slice(0, 600)}\n\n${words.where(userDataDir)}`,
    buttons: CHOICES.map((choice) => words.buttons[choice]),
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  }
}

/** The choice behind the dialog's response; anything unexpected (the dialog dismissed) is Quit. */
export function startFailureChoice(response: number): StartFailureChoice {
  return CHOICES[response] ?? 'quit'
}

/**
 * Moves the settings file aside as `settings.json.reset-<time>`, so the next start uses default settings and
 * nothing is lost. Returns the backup's path, or undefined when there was no settings file.
 */
export async function setSettingsAside(userDataDir: string, now = new Date()): Promise<string | undefined> {
  const settingsPath = join(userDataDir, 'settings.json')
  const backupPath = `${settingsPath}.reset-${now.toISOString().replace(/[:.]/g, '-')}`
  try {
    await rename(settingsPath, backupPath)
    return backupPath
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
