import { UserFacingError } from '../user-facing-error'
import { userMessage, type UserMessage } from '../../shared/user-message'

/** Why a file cannot be attached; the English message is for the log, the keyed one for the user. */
export type AttachmentRefusalCode =
  | 'empty'
  | 'too-large'
  | 'unsupported-type'
  | 'not-utf8'
  | 'damaged-image'
  | 'damaged-pdf'
  | 'pdf-too-long'
  | 'pdf-too-slow'
  | 'pdf-too-large'
  | 'bad-name'

export class AttachmentRefusedError extends UserFacingError {
  override name = 'AttachmentRefusedError'
  /** `words`: the keyed message when the site knows more than its code (sizes, a library's own reason). */
  constructor(
    readonly code: AttachmentRefusalCode,
    message: string,
    words: UserMessage = wordsFor(code),
  ) {
    super(message, words)
  }
}

/** A refusal's words from its code alone (a refusal from the PDF worker arrives as code and English). */
function wordsFor(code: AttachmentRefusalCode): UserMessage {
  switch (code) {
    case 'too-large':
      return userMessage('attachment:too-large', {})
    case 'unsupported-type':
      return userMessage('attachment:unsupported-type', {})
    case 'bad-name':
      return userMessage('attachment:bad-name', { name: '' })
    case 'pdf-too-long':
      return userMessage('attachment:pdf-too-long', {})
    default:
      return userMessage(`attachment:${code}`, {})
  }
}
