/**
 * Which URLs are the app's own renderer. IPC senders, navigation and window.open are judged by these rules.
 * Pure functions (no `electron` import) so they are tested directly.
 */
export interface AppOrigin {
  /** The URL the windows load: the dev server in `electron-vite dev`, the bundled index.html otherwise. */
  rendererUrl: string
}

export function isAppUrl(candidate: string, origin: AppOrigin): boolean {
  let url: URL
  let app: URL
  try {
    url = new URL(candidate)
    app = new URL(origin.rendererUrl)
  } catch {
    return false
  }
  if (app.protocol === 'file:') return url.protocol === 'file:' && url.pathname === app.pathname
  return url.origin === app.origin
}

/** Links from model answers that may be handed to the OS browser: web pages and mail, nothing else. */
export function isSafeExternalUrl(candidate: string): boolean {
  try {
    const { protocol } = new URL(candidate)
    return protocol === 'https:' || protocol === 'http:' || protocol === 'mailto:'
  } catch {
    return false
  }
}
