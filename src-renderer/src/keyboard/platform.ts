/** Which platform's keys to use and show (⌘ on macOS, Ctrl elsewhere). Pure, with a cached reading of the page's. */
export interface NavigatorLike {
  platform?: string
  /** Chromium's User-Agent Client Hints; `navigator.platform` is deprecated but still the fallback. */
  userAgentData?: { platform?: string }
}

export function detectMac(navigator: NavigatorLike | undefined): boolean {
  const platform = navigator?.userAgentData?.platform || navigator?.platform || ''
  return /^mac/i.test(platform)
}

let cached: boolean | undefined

/** This page's platform (read once; it does not change while the page lives). */
export function onMac(): boolean {
  cached ??= detectMac((globalThis as { navigator?: NavigatorLike }).navigator)
  return cached
}
