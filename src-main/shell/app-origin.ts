/**
 * Which URLs are the app's own renderer. IPC senders, navigation and window.open are judged by these rules.
 * Pure functions (no `electron` import) so they are tested directly.
 */
export interface AppOrigin {
  /** The main window's page: on the dev server in `electron-vite dev`, `app://streamdesk/index.html` otherwise. */
  rendererUrl: string
  /** The quick-ask window's page, beside it. */
  quickAskUrl: string
}

/**
 * The dev server's URL that `electron-vite dev` passes in ELECTRON_RENDERER_URL, or undefined for the built pages:
 * never in a packaged app, and a variable that is set but empty (or blank) counts as unset.
 */
export function devServerUrl(isPackaged: boolean, value: string | undefined): string | undefined {
  const url = value?.trim()
  return !isPackaged && url ? url : undefined
}

/** The two pages of the app, from the main page's URL. */
export function appOrigin(rendererUrl: string): AppOrigin {
  return { rendererUrl, quickAskUrl: new URL('quick-ask.html', rendererUrl).href }
}

export function isAppUrl(candidate: string, origin: AppOrigin): boolean {
  let url: URL
  try {
    url = new URL(candidate)
  } catch {
    return false
  }
  return [origin.rendererUrl, origin.quickAskUrl].some((page) => {
    const app = new URL(page)
    // The dev server (`electron-vite dev`): its whole http origin is the app's.
    if (app.protocol === 'http:' || app.protocol === 'https:') return url.origin === app.origin
    // app:// (and file://, before it): exactly the two pages, by scheme, host and path. Not by origin: a URL parser
    // gives every non-web scheme the same opaque origin "null", which would match any of them.
    return url.protocol === app.protocol && url.host === app.host && url.pathname === app.pathname
  })
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

/**
 * The one web permission the app's pages get: writing to the clipboard (the Copy buttons use
 * `navigator.clipboard.writeText`, which Chromium asks as 'clipboard-sanitized-write'), and only for the app's own
 * top-level page. Everything else (camera, notifications, reading the clipboard, …) stays denied.
 */
const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write', 'clipboard-write'])

export function mayGrantPermission(
  permission: string,
  request: { requestingUrl: string; isMainFrame?: boolean },
  origin: AppOrigin,
): boolean {
  return GRANTED_PERMISSIONS.has(permission) && request.isMainFrame !== false && isAppUrl(request.requestingUrl, origin)
}
