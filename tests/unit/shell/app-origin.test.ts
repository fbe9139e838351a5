import { describe, expect, it } from 'vitest'
import { appOrigin, devServerUrl, isAppUrl, isSafeExternalUrl } from '../../../src-main/shell/app-origin'
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
