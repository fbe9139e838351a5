/**
 * The `app://` scheme the packaged windows load from (Electron's security checklist, item 18: not `file://`, where
 * the CSP's `'self'` matches every file on the disk and a `//host/share` URL becomes an SMB request on Windows).
 * `app://streamdesk/<path>` maps to one file under the built renderer folder and nothing else.
 *
 * No `electron` import: the shell's `protocol.handle` callback only turns the answer into a Response, and the
 * mapping is tested directly, traversal attempts included.
 */
import { readFile, realpath } from 'node:fs/promises'
import { extname, join, sep } from 'node:path'

export const APP_SCHEME = 'app'
export const APP_HOST = 'streamdesk'
/** The origin of the app's pages: `app://streamdesk`. */
export const APP_BASE_URL = `${APP_SCHEME}://${APP_HOST}/`

/** Only what the renderer build emits; any other file type is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
}

export type AppRequestTarget =
  { ok: true; path: string; contentType: string } | { ok: false; status: 400 | 403 | 404 | 405; reason: string }

const refuse = (status: 400 | 403 | 404 | 405, reason: string): AppRequestTarget => ({ ok: false, status, reason })

/**
 * The file a request names, decided from its URL alone: only GET and HEAD, only `app://streamdesk`, and a path
 * whose every segment is a plain file or folder name once decoded (no `.` or `..`, no backslash, colon or NUL, no
 * empty segment), so neither an encoded `..`, a Windows separator nor a drive or absolute path can leave the folder.
 */
export function appRequestTarget(method: string, requestUrl: string, rendererDir: string): AppRequestTarget {
  if (method !== 'GET' && method !== 'HEAD') return refuse(405, `method ${method.slice(0, 16)}`)
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    return refuse(400, 'not a URL')
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.hostname !== APP_HOST || url.port !== '') {
    return refuse(404, 'not the app host')
  }
  if (url.username !== '' || url.password !== '') return refuse(400, 'credentials in the URL')

  const rawSegments = url.pathname.split('/').slice(1)
  if (rawSegments.length === 1 && rawSegments[0] === '') rawSegments[0] = 'index.html'
  const segments: string[] = []
  for (const raw of rawSegments) {
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      return refuse(400, 'malformed percent-encoding')
    }
    if (segment === '' || segment === '.' || segment === '..' || /[/\\:\0]/.test(segment)) {
      return refuse(403, 'path segment not allowed')
    }
    segments.push(segment)
  }
  const contentType = CONTENT_TYPES[extname(segments.at(-1)!).toLowerCase()]
  if (!contentType) return refuse(404, 'file type not served')
  const path = join(rendererDir, ...segments)
  // The segments cannot climb out; checked again on the joined path, should a platform's join think otherwise.
  if (!path.startsWith(rendererDir.endsWith(sep) ? rendererDir : rendererDir + sep)) {
    return refuse(403, 'outside the renderer folder')
  }
  return { ok: true, path, contentType }
}

export type AppFileResponse = { ok: true; body: Buffer; contentType: string } | { ok: false; status: number }

/**
 * Reads the file a request names. A symbolic link inside the folder that points outside it is refused: the real
 * path must be inside the real renderer folder.
 */
export async function readAppFile(method: string, requestUrl: string, rendererDir: string): Promise<AppFileResponse> {
  const target = appRequestTarget(method, requestUrl, rendererDir)
  if (!target.ok) return { ok: false, status: target.status }
  try {
    const [realFile, realRoot] = await Promise.all([realpath(target.path), realpath(rendererDir)])
    if (!realFile.startsWith(realRoot + sep)) return { ok: false, status: 403 }
    return { ok: true, body: await readFile(realFile), contentType: target.contentType }
  } catch {
    return { ok: false, status: 404 }
  }
}
