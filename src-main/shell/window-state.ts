import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { app, screen, type BrowserWindow } from 'electron'
import { writeFileAtomicSync } from '../lib/atomic-write'
import { restoredBounds, type Rect } from './window-geometry'

const FILE = 'window-state.json'

/** The main window's last bounds, from the user-data folder, fitted to today's screens. */
export function loadMainWindowBounds(): Rect & { maximized: boolean } {
  let saved: (Rect & { maximized?: boolean }) | undefined
  try {
    saved = JSON.parse(readFileSync(join(app.getPath('userData'), FILE), 'utf8'))
  } catch {
    saved = undefined
  }
  const workAreas = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((display) => display.workArea)
  return { ...restoredBounds(saved, workAreas), maximized: saved?.maximized === true }
}

/** Saves the bounds when the user stops moving or resizing, and on close. */
export function rememberBounds(window: BrowserWindow): void {
  let timer: NodeJS.Timeout | undefined
  const save = () => {
    if (window.isDestroyed() || window.isMinimized()) return
    const state = { ...window.getNormalBounds(), maximized: window.isMaximized() }
    const path = join(app.getPath('userData'), FILE)
    try {
      writeFileAtomicSync(path, JSON.stringify(state))
    } catch {
      // Losing a window position is not worth bothering the user about.
    }
  }
  const later = () => {
    clearTimeout(timer)
    timer = setTimeout(save, 500)
  }
  window.on('resize', later)
  window.on('move', later)
  window.on('close', save)
}
