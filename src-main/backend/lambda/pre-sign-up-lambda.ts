/**
 * The pre-sign-up trigger of the user pool when the stack's sign-up policy is `allowed-domains`: a self sign-up is
 * accepted only for an email address of one of the configured domains (exactly that domain, compared without case;
 * a subdomain must be listed itself). Users an administrator creates (`admin-create-user`) are let through whatever
 * their domain: the deployer chose them. Cognito shows the thrown message to the person signing up, as
 * "PreSignUp failed with error <message>.", and creates no user.
 */
import type { PreSignUpTriggerEvent } from 'aws-lambda'
import { LAMBDA_ENV, requireEnv } from './lambda-env'
import { consoleLog, type LambdaLog } from './lambda-log'

export interface PreSignUpDeps {
  /** Lower-case domain names. */
  allowedDomains: readonly string[]
  log?: LambdaLog
}

export type PreSignUpHandler = (event: PreSignUpTriggerEvent) => Promise<PreSignUpTriggerEvent>

export function createPreSignUpHandler(deps: PreSignUpDeps): PreSignUpHandler {
  const log = deps.log ?? consoleLog
  const allowed = new Set(deps.allowedDomains.map((domain) => domain.toLowerCase()))
  return async (event) => {
    if (event.triggerSource === 'PreSignUp_AdminCreateUser') return event
    const domain = emailDomain(event.request?.userAttributes?.email)
    if (domain === undefined || !allowed.has(domain)) {
      // The domain only: an address is personal data and stays out of the logs.
      log('sign-up-refused', { triggerSource: event.triggerSource, domain: domain ?? '(none)' })
      throw new Error(
        'Sign-up is limited to the email domains this StreamDesk deployment allows; ask its administrator',
      )
    }
    return event
  }
}

/** The part after the last @, lower case; undefined when the value is not an address. */
export function emailDomain(email: unknown): string | undefined {
  if (typeof email !== 'string') return undefined
  const at = email.lastIndexOf('@')
  if (at < 1 || at === email.length - 1) return undefined
  return email
    .slice(at + 1)
    .trim()
    .toLowerCase()
}

export function preSignUpDepsFromEnv(env: NodeJS.ProcessEnv): PreSignUpDeps {
  const allowedDomains = requireEnv(env, LAMBDA_ENV.allowedEmailDomains)
    .split(',')
    .map((domain) => domain.trim().toLowerCase())
    .filter((domain) => domain !== '')
  if (allowedDomains.length === 0) throw new Error(`${LAMBDA_ENV.allowedEmailDomains} lists no domain.`)
  return { allowedDomains }
}

let deployedHandler: PreSignUpHandler | undefined

/** The Lambda entry point (`index.handler` in the bundle). */
export const handler: PreSignUpHandler = async (event) => {
  deployedHandler ??= createPreSignUpHandler(preSignUpDepsFromEnv(process.env))
  return deployedHandler(event)
}
