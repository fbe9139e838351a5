import { app, session, shell, type WebContents } from 'electron'
import { isAppUrl, isSafeExternalUrl, mayGrantPermission, type AppOrigin } from './app-origin'

/**
 * Rules applied to every web contents the app creates: no new windows (links open in the OS browser), no
 * navigation away from the app's two pages, no webviews, every permission (camera, notifications, …) denied but
 * clipboard writing for the app's own pages (`mayGrantPermission`), and no spellchecker.
 */
export function applySecurityRules(origin: AppOrigin): void {
  // Chromium's spellchecker downloads its dictionaries from Google (Hunspell, on Linux and Windows): off for the
  // session as well as in each window's preferences, so local mode makes no request for them.
  session.defaultSession.setSpellCheckerEnabled(false)
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(mayGrantPermission(permission, details, origin)),
  )
  // A check may come without a requesting URL: the page's own URL then.
  session.defaultSession.setPermissionCheckHandler((contents, permission, _origin, details) =>
    mayGrantPermission(
      permission,
      { requestingUrl: details.requestingUrl || contents?.getURL() || '', isMainFrame: details.isMainFrame },
      origin,
    ),
  )
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, origin))
}

function guardWebContents(contents: WebContents, origin: AppOrigin): void {
  contents.setWindowOpenHandler(({ url }) => {
    openInBrowser(url)
    return { action: 'deny' }
  })
  contents.on('will-navigate', (event, url) => {
    if (isAppUrl(url, origin)) return
    event.preventDefault()
    openInBrowser(url)
  })
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, origin)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

/** The one place a URL from a page reaches the OS: only web and mail links (`isSafeExternalUrl`). */
function openInBrowser(url: string): void {
  if (isSafeExternalUrl(url)) void shell.openExternal(url)
}
