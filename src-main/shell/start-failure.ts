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

export type StartFailureChoice = 'quit' | 'open-data-folder' | 'reset-settings'

/** The buttons in order: the dialog's response is an index into this. */
const CHOICES: ReadonlyArray<{ choice: StartFailureChoice; label: string }> = [
  { choice: 'quit', label: 'Quit' },
  { choice: 'open-data-folder', label: 'Open the data folder' },
  { choice: 'reset-settings', label: 'Reset settings and restart' },
]

export function startFailureDialog(error: unknown, userDataDir: string): MessageBoxSyncOptions {
  return {
    type: 'error',
    title: 'StreamDesk',
    message: 'StreamDesk could not start.',
    detail:
      `${errorMessage(error).slice(0, 600)}\n\n` +
      `Your conversations and settings are in ${userDataDir}. ` +
      'Reset settings keeps the current settings file beside it as a backup; conversations are not touched.',
    buttons: CHOICES.map(({ label }) => label),
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  }
}

/** The choice behind the dialog's response; anything unexpected (the dialog dismissed) is Quit. */
export function startFailureChoice(response: number): StartFailureChoice {
  return CHOICES[response]?.choice ?? 'quit'
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
