/** Start-up notices (keyed messages) as the English window words them, with their detail: what a user reads. */
import type { ReceivedMessage, UserMessage } from '../../src-main/shared/user-message'
import { en } from '../../src-renderer/src/i18n/en'
import { messageLine } from '../../src-renderer/src/i18n/main-message'

export function noticeWords(notices: ReadonlyArray<UserMessage | ReceivedMessage>): string[] {
  return notices.map((notice) => messageLine(en, notice))
}
