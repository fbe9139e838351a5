import { protocol } from 'electron'
import { APP_SCHEME, readAppFile } from './app-scheme'

/**
 * Declares `app://` a standard, secure scheme, which must happen before the app is ready: standard gives its
 * pages a real origin (`app://streamdesk`, what the CSP's 'self' and the IPC sender checks mean), secure makes it
 * a secure context like https, and CORS and fetch support let the pages load their ES module scripts.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
    },
  ])
}

/** Serves `app://streamdesk/…` from the built renderer folder (the mapping and its refusals: app-scheme.ts). */
export function serveAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = await readAppFile(request.method, request.url, rendererDir)
    if (!file.ok) return new Response(null, { status: file.status })
    const headers = { 'content-type': file.contentType, 'x-content-type-options': 'nosniff' }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(file.body), { headers })
  })
}
