import type { WebPreferences } from 'electron'

/**
 * The isolation settings each `new BrowserWindow` writes literally in its own options: Electronegativity, the
 * scanner auditors run, reads them there and does not follow a helper. The types accept no other value.
 * `disableBlinkFeatures: 'Auxclick'`: a middle click on a link cannot open a window (the open handler denies it
 * anyway; this keeps the page from even receiving it).
 */
export interface WindowIsolation {
  contextIsolation: true
  sandbox: true
  nodeIntegration: false
  disableBlinkFeatures: 'Auxclick'
}

/**
 * The web preferences every StreamDesk window gets (Electron's security checklist): the page runs sandboxed,
 * isolated from the preload's world, without Node, webviews, or remote content settings relaxed. Spellcheck is
 * off: Chromium downloads its dictionaries from Google's servers, and local mode sends nothing off the machine.
 */
export function secureWebPreferences(preloadPath: string, isolation: WindowIsolation): WebPreferences {
  return {
    ...isolation,
    preload: preloadPath,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  }
}
