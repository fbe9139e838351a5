import type { WebPreferences } from 'electron'

/**
 * The web preferences every StreamDesk window gets (Electron's security checklist): the page runs sandboxed,
 * isolated from the preload's world, without Node, webviews, or remote content settings relaxed.
 */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: true,
  }
}
