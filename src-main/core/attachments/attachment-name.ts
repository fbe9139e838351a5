/**
 * An attachment's name is shown to the user and given to the model as the file's name; it is never used as a path
 * (the store names files by their SHA-256). Still, a name that looks like a path (`../x`, `C:\x`, `a/b`) is refused:
 * it did not come from a file picker, paste or drop, and it would mislead the model and the user.
 */
import { AttachmentRefusedError } from './attachment-refusal'
import { userMessage } from '../../shared/user-message'

const MAX_NAME_CHARS = 255

export function checkedAttachmentName(raw: string): string {
  const name = raw.normalize('NFC').trim()
  const refuse = (why: string): never => {
    const shown = name.slice(0, 80)
    throw new AttachmentRefusedError(
      'bad-name',
      `The file name ${JSON.stringify(shown)} ${why}.`,
      userMessage('attachment:bad-name', { name: shown }),
    )
  }
  if (name === '') refuse('is empty')
  if (name.length > MAX_NAME_CHARS) refuse(`is longer than ${MAX_NAME_CHARS} characters`)
  if (/[/\\]/.test(name)) refuse('contains a path separator')
  if (name === '.' || name === '..' || name.startsWith('..')) refuse('is not a plain file name')
  // Control characters (NUL, line breaks, bidi overrides that disguise an extension) have no place in a name shown.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/u.test(name)) refuse('contains control characters')
  return name
}
