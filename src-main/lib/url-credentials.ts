/**
 * `scheme://user:password@host` → `scheme://host`, wherever a URL appears in a text: an HTTP client's own error
 * message quotes the whole URL it was given, credentials included, and such messages reach the screen and the log.
 */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi

export function withoutUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, '$1')
}
