/** The claims the app reads from a Cognito ID token. The token was just received from Cognito over TLS, so it is
 * decoded, not verified: nothing here grants access; AWS verifies the token wherever it is presented. */
export interface IdTokenClaims {
  /** Epoch milliseconds. */
  expiresAt: number
  sub: string
  email: string | undefined
}

export function readIdTokenClaims(token: string): IdTokenClaims {
  const payload = token.split('.')[1]
  let claims: unknown
  try {
    claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'))
  } catch {
    claims = undefined
  }
  if (typeof claims !== 'object' || claims === null)
    throw new Error('Amazon Cognito returned an ID token that is not a JWT.')
  const { exp, sub, email } = claims as Record<string, unknown>
  if (typeof exp !== 'number' || typeof sub !== 'string')
    throw new Error('Amazon Cognito returned an ID token without exp or sub.')
  return { expiresAt: exp * 1000, sub, email: typeof email === 'string' ? email : undefined }
}
