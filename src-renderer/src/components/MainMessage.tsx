import type { ReceivedMessage, UserMessage } from '../../../src-main/shared/user-message'
import { useStrings } from '../i18n'
import { detailText, messageText } from '../i18n/main-message'

/** A message from the main process in the UI's language, the server's own words after it as secondary text. */
export function MainMessage({ message }: { message: UserMessage | ReceivedMessage }) {
  const t = useStrings()
  return (
    <>
      {messageText(t, message)}
      {message.detail && (
        <span className="muted message-detail" data-testid="message-detail">
          {' '}
          {detailText(t, message)}
        </span>
      )}
    </>
  )
}
