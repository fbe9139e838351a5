/**
 * How one prepared attachment reaches the uploads bucket. Two ways, by what the deployed stack offers:
 * presigned-post-upload.ts (the stack's upload-presign Lambda signs a POST whose policy S3 enforces: the size, the
 * key, the type) and put-object-upload.ts (stacks deployed before that Lambda: PutObject with the user's own
 * credentials). Either fails with an UploadFailure whose reason the uploader shows after the file's name.
 */

export interface UploadObject {
  /** `uploads/<identity id>/<sha256>`. */
  key: string
  /** The bytes' SHA-256, hex: the attachment store's id and the key's last part. */
  sha256: string
  bytes: Uint8Array
  contentType: string
}

export interface UploadTransport {
  /** Stores the object at its key; throws an UploadFailure. */
  upload(object: UploadObject): Promise<void>
}

/** An upload that did not happen; `reason` is plain words from fixed text (never an SDK's or a server's message). */
export class UploadFailure extends Error {
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options)
    this.name = 'UploadFailure'
  }
}
