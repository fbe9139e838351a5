/**
 * `app://streamdesk/…` serves files of the built renderer folder and nothing else: every way of naming a file
 * outside it (dot segments, encoded or not, backslashes, absolute and drive paths, NUL, symbolic links) is refused.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { APP_BASE_URL, appRequestTarget, readAppFile } from '../../../src-main/shell/app-scheme'
import { makeTempDirSync } from '../../support/temp-dir'

let root: string
let rendererDir: string

beforeAll(() => {
  root = makeTempDirSync('app-scheme')
  rendererDir = join(root, 'renderer')
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<title>main</title>')
  writeFileSync(join(rendererDir, 'quick-ask.html'), '<title>quick</title>')
  writeFileSync(join(rendererDir, 'assets', 'index-abc.js'), 'export {}')
  writeFileSync(join(root, 'secret.js'), 'the user data next door')
  writeFileSync(join(root, 'renderer-evil.js'), 'a sibling whose name starts like the folder')
  if (process.platform !== 'win32') {
    symlinkSync(join(root, 'secret.js'), join(rendererDir, 'assets', 'link-out.js'))
    symlinkSync(root, join(rendererDir, 'dir-out'))
    symlinkSync(join(rendererDir, 'index.html'), join(rendererDir, 'assets', 'link-in.html'))
  }
})

const target = (url: string, method = 'GET') => appRequestTarget(method, url, rendererDir)

describe('app:// request mapping', () => {
  it('maps the pages and assets to files in the renderer folder, with their content type', () => {
    expect(target(APP_BASE_URL)).toEqual({
      ok: true,
      path: join(rendererDir, 'index.html'),
      contentType: 'text/html; charset=utf-8',
    })
    expect(target('app://streamdesk/quick-ask.html')).toMatchObject({
      ok: true,
      path: join(rendererDir, 'quick-ask.html'),
    })
    expect(target('app://streamdesk/assets/index-abc.js?v=1#x')).toMatchObject({
      ok: true,
      path: join(rendererDir, 'assets', 'index-abc.js'),
      contentType: 'text/javascript; charset=utf-8',
    })
    expect(target('app://streamdesk/assets/a%20b.css')).toMatchObject({
      ok: true,
      path: join(rendererDir, 'assets', 'a b.css'),
    })
    expect(target('app://streamdesk/index.html', 'HEAD')).toMatchObject({ ok: true })
  })

  it.each([
    ['app://streamdesk/..%2f..%2fsecret.js'],
    ['app://streamdesk/assets/..%2F..%2F..%2Fetc%2Fpasswd.js'],
    ['app://streamdesk/assets/%2E%2E%2fsecret.js'],
    ['app://streamdesk/..%5c..%5csecret.js'],
    ['app://streamdesk/assets\\..\\..\\secret.js'],
    ['app://streamdesk/%2fetc%2fpasswd.js'],
    ['app://streamdesk//etc/passwd.js'],
    ['app://streamdesk/C:%5cWindows%5cwin.ini.js'],
    ['app://streamdesk/C:/Windows/win.ini.js'],
    ['app://streamdesk/%5c%5cattacker.example%5cshare%5cx.png'],
    ['app://streamdesk/index.html%00.js'],
    ['app://streamdesk/assets/./index-abc.js%2f'],
  ])('refuses %s', (url) => {
    expect(target(url).ok).toBe(false)
  })

  it('resolves plain dot segments the way a browser does, so they stay inside the folder', () => {
    // The URL parser itself removes `..` above the root: this is app://streamdesk/secret.js, a file not there.
    for (const url of ['app://streamdesk/assets/../../secret.js', 'app://streamdesk/%2e%2e/%2E%2E/secret.js']) {
      expect(target(url)).toMatchObject({ ok: true, path: join(rendererDir, 'secret.js') })
    }
  })

  it('serves only its own host, only GET and HEAD, only the renderer build file types', () => {
    expect(target('app://other/index.html')).toMatchObject({ ok: false, status: 404 })
    expect(target('app://streamdesk:8080/index.html')).toMatchObject({ ok: false, status: 404 })
    expect(target('app://user:pw@streamdesk/index.html')).toMatchObject({ ok: false, status: 400 })
    expect(target('file:///etc/passwd')).toMatchObject({ ok: false, status: 404 })
    expect(target('https://streamdesk/index.html')).toMatchObject({ ok: false, status: 404 })
    expect(target('app://streamdesk/index.html', 'POST')).toMatchObject({ ok: false, status: 405 })
    expect(target('app://streamdesk/history.sqlite')).toMatchObject({ ok: false, status: 404 })
    expect(target('app://streamdesk/settings')).toMatchObject({ ok: false, status: 404 })
    expect(target('app://streamdesk/%E0%A4%A.js')).toMatchObject({ ok: false, status: 400 })
    expect(target('not a url')).toMatchObject({ ok: false, status: 400 })
  })
})

describe('app:// file reads', () => {
  it('reads nothing for the image URLs model output made the file:// renderer request in the review', async () => {
    const page = 'app://streamdesk/index.html'
    // `![x](//attacker.example/share/x.png)`: under file:// an SMB request on Windows; here another host, not served.
    const protocolRelative = new URL('//attacker.example/share/x.png', page).href
    expect(protocolRelative).toBe('app://attacker.example/share/x.png')
    expect(await readAppFile('GET', protocolRelative, rendererDir)).toEqual({ ok: false, status: 404 })
    // `![x](../../../../etc/hostname)`: under file:// /etc/hostname; here a path inside the renderer folder.
    const relative = new URL('../../../../etc/hostname', page).href
    expect(relative).toBe('app://streamdesk/etc/hostname')
    expect(await readAppFile('GET', relative, rendererDir)).toEqual({ ok: false, status: 404 })
    expect(await readAppFile('GET', new URL('../../../secret.js', page).href, rendererDir)).toEqual({
      ok: false,
      status: 404,
    })
  })

  it('reads a file of the folder', async () => {
    const read = await readAppFile('GET', 'app://streamdesk/assets/index-abc.js', rendererDir)
    expect(read).toMatchObject({ ok: true, contentType: 'text/javascript; charset=utf-8' })
    expect(read.ok && read.body.toString()).toBe('export {}')
  })

  it('answers 404 for a missing file and never reads a sibling folder that shares the prefix', async () => {
    expect(await readAppFile('GET', 'app://streamdesk/missing.js', rendererDir)).toEqual({ ok: false, status: 404 })
    expect(await readAppFile('GET', 'app://streamdesk/../renderer-evil.js', rendererDir)).toEqual({
      ok: false,
      status: 404,
    })
  })

  it.skipIf(process.platform === 'win32')('refuses a symbolic link that leads out of the folder', async () => {
    expect(await readAppFile('GET', 'app://streamdesk/assets/link-out.js', rendererDir)).toEqual({
      ok: false,
      status: 403,
    })
    expect(await readAppFile('GET', 'app://streamdesk/dir-out/secret.js', rendererDir)).toEqual({
      ok: false,
      status: 403,
    })
    const inside = await readAppFile('GET', 'app://streamdesk/assets/link-in.html', rendererDir)
    expect(inside.ok && inside.body.toString()).toBe('<title>main</title>')
  })
})
