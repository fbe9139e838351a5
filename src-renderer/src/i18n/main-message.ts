/**
 * Words for what the main process sends by key (src-main/shared/user-message.ts), in the current language. A key
 * this window does not know, or params it cannot use (a newer main), gives the generic message: never a crash.
 */
import {
  boundedDetail,
  type MessageKey,
  type ReceivedMessage,
  type UserMessage,
} from '../../../src-main/shared/user-message'
import type { Strings } from './en'

export function messageText(t: Strings, message: ReceivedMessage | UserMessage): string {
  const catalog = t.mainMessage.messages
  if (!Object.hasOwn(catalog, message.key)) return t.mainMessage.unknown
  const format = catalog[message.key as MessageKey] as (params: unknown) => string
  try {
    return format(message.params ?? {})
  } catch {
    return t.mainMessage.unknown
  }
}

/** The message with the server's own words after it, for a toast or a form that holds one string. */
export function messageLine(t: Strings, message: ReceivedMessage | UserMessage): string {
  const text = messageText(t, message)
  const detail = detailText(t, message)
  return detail ? `${text} ${detail}` : text
}

/** The detail, labelled as a model server's answer where it is one; '' for none. */
export function detailText(t: Strings, message: ReceivedMessage | UserMessage): string {
  if (!message.detail) return ''
  // Bounded here too: an event's message reaches the page without passing `asReceivedMessage`.
  const detail = boundedDetail(message.detail)
  return message.key.startsWith('server:') ? t.mainMessage.serverSaid(detail) : t.mainMessage.detail(detail)
}

/** A failed download's reason by its code; unknown codes (a newer main) get the generic words. */
export function downloadErrorText(t: Strings, code: string): string {
  const reasons: Record<string, string> = t.mainMessage.downloadError
  return Object.hasOwn(reasons, code) ? reasons[code]! : t.mainMessage.unknown
}

/** A failed answer's headline by its error code (the wire's or the app's own); unknown codes get the generic one. */
export function streamErrorText(t: Strings, code: string): string {
  const headlines: Record<string, string> = t.mainMessage.streamError
  return Object.hasOwn(headlines, code) ? headlines[code]! : t.mainMessage.unknown
}
