/**
 * The pre-sign-up trigger of the allowed-domains sign-up policy: which sign-ups Cognito lets through.
 */
import type { PreSignUpTriggerEvent } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import {
  createPreSignUpHandler,
  emailDomain,
  preSignUpDepsFromEnv,
} from '../../../src-main/backend/lambda/pre-sign-up-lambda'

/** The event Cognito sends (fields as in the Cognito developer guide's pre sign-up example). */
const signUp = (email: unknown, triggerSource = 'PreSignUp_SignUp'): PreSignUpTriggerEvent =>
  ({
    version: '1',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_AbC123xyz',
    userName: 'a1b2c3d4-0000-1111-2222-333344445555',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '4f1n2k3l4m5n6o7p8q9r0s1t2u' },
    triggerSource,
    request: { userAttributes: { email } },
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  }) as PreSignUpTriggerEvent

describe('pre-sign-up trigger', () => {
  const logs: Array<Record<string, unknown>> = []
  const handler = createPreSignUpHandler({
    allowedDomains: ['example.com', 'corp.example.org'],
    log: (event, fields) => logs.push({ event, ...fields }),
  })

  it('lets an address of an allowed domain sign up, whatever its case, and changes nothing in the event', async () => {
    for (const email of ['ann@example.com', 'Bob@EXAMPLE.COM', 'c.d+tag@corp.example.org']) {
      const event = signUp(email)
      await expect(handler(event)).resolves.toEqual(signUp(email))
    }
  })

  it.each([
    ['another domain', 'eve@example.net'],
    ['a subdomain that is not listed', 'eve@mail.example.com'],
    ['a look-alike that ends with an allowed name', 'eve@evilexample.com'],
    ['an allowed domain hidden before the last @', 'eve@example.com@attacker.test'],
    ['no address', undefined],
    ['an address without a domain', 'eve@'],
  ])('refuses %s with a message the person signing up can act on', async (_name, email) => {
    await expect(handler(signUp(email))).rejects.toThrow(/Sign-up is limited to the email domains .* allows/)
  })

  it('logs the refused domain, never the address', async () => {
    logs.length = 0
    await expect(handler(signUp('eve.private@example.net'))).rejects.toThrow()
    expect(logs).toEqual([{ event: 'sign-up-refused', triggerSource: 'PreSignUp_SignUp', domain: 'example.net' }])
    expect(JSON.stringify(logs)).not.toContain('eve.private')
  })

  it('lets an administrator create a user of any domain (admin-create-user)', async () => {
    await expect(handler(signUp('guest@partner.test', 'PreSignUp_AdminCreateUser'))).resolves.toBeDefined()
  })

  it('checks a sign-up through an external provider like any other', async () => {
    await expect(handler(signUp('x@partner.test', 'PreSignUp_ExternalProvider'))).rejects.toThrow(/limited/)
  })

  it('reads the domains the stack sets, and refuses to start without any', () => {
    expect(preSignUpDepsFromEnv({ STREAMDESK_ALLOWED_EMAIL_DOMAINS: 'Example.com, corp.example.org' })).toEqual({
      allowedDomains: ['example.com', 'corp.example.org'],
    })
    expect(() => preSignUpDepsFromEnv({ STREAMDESK_ALLOWED_EMAIL_DOMAINS: ' , ' })).toThrow(/lists no domain/)
    expect(() => preSignUpDepsFromEnv({})).toThrow(/STREAMDESK_ALLOWED_EMAIL_DOMAINS is not set/)
  })

  it('takes the domain after the last @', () => {
    expect(emailDomain('a@b@Example.COM ')).toBe('example.com')
    expect(emailDomain('@example.com')).toBeUndefined()
    expect(emailDomain(42)).toBeUndefined()
  })
})
