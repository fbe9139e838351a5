/**
 * Amazon Cognito's errors as plain-language messages for the sign-in screen. Messages are built from fixed text
 * (plus, for a rejected password, Cognito's description of the password policy), so they can never carry the
 * password, a code or a token that was in the request.
 */
import { awsErrorName, isNetworkError, plainWordsMessage } from './aws-errors'
import { userMessage, type AuthReason } from '../../shared/user-message'
import { UserFacingError } from '../user-facing-error'

export type AuthErrorCode =
  | 'not-authorized'
  | 'not-confirmed'
  | 'username-exists'
  | 'code-mismatch'
  | 'expired-code'
  | 'invalid-password'
  | 'limit-exceeded'
  | 'session-expired'
  | 'signed-out'
  | 'no-challenge'
  | 'unsupported-challenge'
  | 'invalid-input'
  | 'configuration'
  | 'network'
  | 'unknown'

/**
 * A failed sign-in step: `code` for the app's logic, the English `message` for the log, and the user's words by
 * `reason` (worded by the window in its language; `detail`: Cognito's own text where it helps, e.g. its password
 * policy).
 */
export class AuthError extends UserFacingError {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    reason: AuthReason,
    detail?: string,
  ) {
    super(message, userMessage('auth:error', { reason }, detail))
    this.name = 'AuthError'
  }
}

/** Which step failed: the same Cognito error means different things to the user at different steps. */
export type AuthStep =
  'sign-up' | 'confirm' | 'sign-in' | 'challenge' | 'refresh' | 'forgot-password' | 'reset-password'

const TRY_LATER = 'Wait a few minutes, then try again.'

export function toAuthError(error: unknown, step: AuthStep): AuthError {
  if (error instanceof AuthError) return error
  if (isNetworkError(error)) {
    return new AuthError(
      'network',
      'Cannot reach Amazon Cognito. Check the internet connection and the proxy settings.',
      'network',
    )
  }
  const name = awsErrorName(error)
  const message = error instanceof Error ? error.message : ''
  switch (name) {
    case 'NotAuthorizedException':
      return notAuthorized(message, step)
    // The stack's pre-sign-up trigger refused the address (sign-up limited to allowed email domains).
    case 'UserLambdaValidationException':
      return /Sign-up is limited/i.test(message)
        ? new AuthError(
            'not-authorized',
            'Sign-up is limited to the email domains this StreamDesk backend allows. Ask its administrator.',
            'sign-up-domain-limited',
          )
        : new AuthError('not-authorized', `The backend refused the sign-up. ${TRY_LATER}`, 'sign-up-refused')
    case 'UserNotFoundException':
      return step === 'sign-in'
        ? new AuthError('not-authorized', 'Incorrect email or password.', 'incorrect-credentials')
        : new AuthError('not-authorized', 'No account uses this email address.', 'no-account')
    case 'UserNotConfirmedException':
      return new AuthError(
        'not-confirmed',
        'This account is not confirmed yet. Enter the code from the email, or ask for a new code.',
        'not-confirmed',
      )
    case 'UsernameExistsException':
    case 'AliasExistsException':
      return new AuthError(
        'username-exists',
        'An account with this email address already exists. Sign in, or reset the password.',
        'account-exists',
      )
    case 'CodeMismatchException':
      return new AuthError('code-mismatch', 'That code is not right. Check it and try again.', 'code-mismatch')
    case 'ExpiredCodeException':
      return new AuthError('expired-code', 'That code has expired. Ask for a new one.', 'code-expired')
    case 'InvalidPasswordException': {
      const policy = plainWordsMessage(error)?.replace(/^Password did not conform with policy:\s*/i, '')
      return new AuthError(
        'invalid-password',
        `The password does not meet the requirements${policy ? `: ${policy}` : '.'}`,
        'password-policy',
        policy,
      )
    }
    case 'LimitExceededException':
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
      return new AuthError('limit-exceeded', `Too many attempts. ${TRY_LATER}`, 'too-many-attempts')
    case 'CodeDeliveryFailureException':
      return new AuthError(
        'invalid-input',
        'The code could not be sent to this email address. Check the address.',
        'code-not-sent',
      )
    case 'InvalidParameterException':
      return /USER_PASSWORD_AUTH|flow not enabled/i.test(message)
        ? configuration(
            'its app client does not allow password sign-in (USER_PASSWORD_AUTH)',
            'config-no-password-sign-in',
          )
        : new AuthError(
            'invalid-input',
            'Amazon Cognito did not accept what was entered. Check the email address and try again.',
            'input-not-accepted',
          )
    case 'ResourceNotFoundException':
      return configuration('its user pool or app client does not exist', 'config-missing-pool')
    default:
      return new AuthError(
        'unknown',
        `Amazon Cognito answered with an unexpected error (${name}). ${TRY_LATER}`,
        'unexpected',
        name,
      )
  }
}

/** Cognito uses one exception for wrong passwords, ended sessions, disabled users and more; its message tells which. */
function notAuthorized(message: string, step: AuthStep): AuthError {
  if (/attempts exceeded/i.test(message))
    return new AuthError('limit-exceeded', `Too many failed attempts. ${TRY_LATER}`, 'too-many-attempts')
  // An invite-only user pool (the stack's default): only its administrator creates accounts.
  if (/SignUp is not permitted/i.test(message))
    return new AuthError(
      'not-authorized',
      'This StreamDesk backend is invite-only: ask its administrator to create your account.',
      'invite-only',
    )
  if (/disabled/i.test(message)) {
    return new AuthError(
      'not-authorized',
      'This account is disabled. Ask the administrator of this StreamDesk backend.',
      'account-disabled',
    )
  }
  if (/secret hash|client secret/i.test(message)) {
    return configuration('its app client has a client secret, which a desktop app cannot keep', 'config-client-secret')
  }
  if (step === 'refresh' || /refresh token/i.test(message)) {
    return new AuthError('session-expired', 'Your session has ended. Please sign in again.', 'session-ended')
  }
  if (/session/i.test(message))
    return new AuthError('session-expired', 'The sign-in took too long. Please start again.', 'sign-in-too-long')
  return new AuthError('not-authorized', 'Incorrect email or password.', 'incorrect-credentials')
}

function configuration(problem: string, reason: AuthReason): AuthError {
  const message = `The cloud configuration does not match the deployed backend: ${problem}. Load the stack outputs again.`
  return new AuthError('configuration', message, reason)
}
