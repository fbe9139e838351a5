/** Why a file cannot be attached; the message is fit to show the user as it is. */
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

export class AttachmentRefusedError extends Error {
  override name = 'AttachmentRefusedError'
  constructor(
    readonly code: AttachmentRefusalCode,
    message: string,
  ) {
    super(message)
  }
}
