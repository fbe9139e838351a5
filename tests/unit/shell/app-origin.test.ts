import { describe, expect, it } from 'vitest'
import {
  appOrigin,
  devServerUrl,
  isAppUrl,
  isSafeExternalUrl,
  mayGrantPermission,
} from '../../../src-main/shell/app-origin'
import { secureWebPreferences } from '../../../src-main/shell/secure-web-preferences'

const packaged = appOrigin('file:///opt/StreamDesk/resources/app.asar/out/renderer/index.html')
const dev = appOrigin('http://localhost:5173/')

describe('app origin rules', () => {
  it("accepts only the app's own renderer page", () => {
    expect(isAppUrl('file:///opt/StreamDesk/resources/app.asar/out/renderer/index.html', packaged)).toBe(true)
    expect(isAppUrl('file:///opt/StreamDesk/resources/app.asar/out/renderer/index.html#/settings', packaged)).toBe(true)
    expect(isAppUrl('file:///opt/StreamDesk/resources/app.asar/out/renderer/quick-ask.html', packaged)).toBe(true)
    expect(isAppUrl('file:///opt/StreamDesk/resources/app.asar/out/renderer/other.html', packaged)).toBe(false)
    expect(isAppUrl('file:///home/user/Downloads/evil.html', packaged)).toBe(false)
    expect(isAppUrl('https://example.com/', packaged)).toBe(false)
    expect(isAppUrl('http://localhost:5173/index.html', dev)).toBe(true)
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false)
    expect(isAppUrl('http://localhost.evil.com:5173/', dev)).toBe(false)
    expect(isAppUrl('not a url', dev)).toBe(false)
    expect(isAppUrl('', packaged)).toBe(false)
  })

  it('accepts only the two pages of the app:// scheme the packaged windows load from', () => {
    const scheme = appOrigin('app://streamdesk/index.html')
    expect(scheme.quickAskUrl).toBe('app://streamdesk/quick-ask.html')
    expect(isAppUrl('app://streamdesk/index.html', scheme)).toBe(true)
    expect(isAppUrl('app://streamdesk/index.html#/settings', scheme)).toBe(true)
    expect(isAppUrl('app://streamdesk/quick-ask.html', scheme)).toBe(true)
    // An asset opened as a document, another host of the scheme, or another non-web scheme (same "null" origin).
    expect(isAppUrl('app://streamdesk/assets/icon.svg', scheme)).toBe(false)
    expect(isAppUrl('app://attacker/index.html', scheme)).toBe(false)
    expect(isAppUrl('evil://streamdesk/index.html', scheme)).toBe(false)
    expect(isAppUrl('file:///index.html', scheme)).toBe(false)
    expect(isAppUrl('file://streamdesk/index.html', scheme)).toBe(false)
    expect(isAppUrl('https://streamdesk/index.html', scheme)).toBe(false)
  })

  it('hands only web and mail links to the OS', () => {
    expect(isSafeExternalUrl('https://docs.aws.amazon.com/')).toBe(true)
    expect(isSafeExternalUrl('mailto:a@b.c')).toBe(true)
    for (const url of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'smb://host/share',
      'ms-msdt:/id',
      'vbscript:x',
      '',
    ]) {
      expect(isSafeExternalUrl(url)).toBe(false)
    }
  })

  it('gives every window the sandboxed, isolated, Node-free preferences', () => {
    const isolation = {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      disableBlinkFeatures: 'Auxclick',
    } as const
    expect(secureWebPreferences('/app/preload.cjs', isolation)).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      // Chromium fetches spellcheck dictionaries from the network: off, so local mode sends nothing.
      spellcheck: false,
    })
  })
})

describe('devServerUrl', () => {
  it('is the dev server in development, and unset when packaged or when the variable is empty or blank', () => {
    expect(devServerUrl(false, 'http://localhost:5173')).toBe('http://localhost:5173')
    expect(devServerUrl(false, ' http://localhost:5173 ')).toBe('http://localhost:5173')
    expect(devServerUrl(true, 'http://localhost:5173')).toBeUndefined()
    expect(devServerUrl(false, '')).toBeUndefined()
    expect(devServerUrl(false, '  ')).toBeUndefined()
    expect(devServerUrl(false, undefined)).toBeUndefined()
  })
})

describe('mayGrantPermission', () => {
  const scheme = appOrigin('app://streamdesk/index.html')
  const page = (requestingUrl: string, isMainFrame = true) => ({ requestingUrl, isMainFrame })

  it("grants clipboard writing to the app's own pages, in both windows", () => {
    expect(mayGrantPermission('clipboard-sanitized-write', page('app://streamdesk/index.html'), scheme)).toBe(true)
    expect(mayGrantPermission('clipboard-sanitized-write', page('app://streamdesk/quick-ask.html'), scheme)).toBe(true)
    expect(mayGrantPermission('clipboard-write', page('app://streamdesk/index.html#x'), scheme)).toBe(true)
    expect(mayGrantPermission('clipboard-sanitized-write', page('http://localhost:5173/'), dev)).toBe(true)
  })

  it('denies every other permission, even to the app', () => {
    for (const permission of ['clipboard-read', 'media', 'notifications', 'geolocation', 'openExternal', 'fullscreen'])
      expect(mayGrantPermission(permission, page('app://streamdesk/index.html'), scheme), permission).toBe(false)
  })

  it('denies clipboard writing to any other page or to a subframe', () => {
    const write = (requestingUrl: string, isMainFrame = true) =>
      mayGrantPermission('clipboard-sanitized-write', page(requestingUrl, isMainFrame), scheme)
    expect(write('https://evil.example/')).toBe(false)
    expect(write('app://streamdesk/assets/icon.svg')).toBe(false)
    expect(write('app://other/index.html')).toBe(false)
    expect(write('file:///index.html')).toBe(false)
    expect(write('')).toBe(false)
    expect(write('app://streamdesk/index.html', false)).toBe(false)
  })
})
