import { createHash } from 'node:crypto'

/** The digest a final marker carries for an answer's text. */
export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex')
