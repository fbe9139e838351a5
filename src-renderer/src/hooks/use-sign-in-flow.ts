import { useCallback, useMemo, useState } from 'react'
import type { SignInStep } from '../../../src-main/shared/ipc-contract'
import type { Attempt, StreamDeskClient } from '../api/streamdesk-client'

/** The screens of cloud sign-in, including the steps a user pool may ask for after the password. */
export type AuthStep = 'sign-in' | 'sign-up' | 'confirm' | 'forgot' | 'reset' | 'new-password' | 'mfa'

/** What the screen tells the user after a step succeeded (worded by the screen, in the current language). */
export type AuthNote = { kind: 'sent-to'; destination: string } | { kind: 'created' | 'confirmed' | 'password-changed' }

/** The secrets a form collected. They live in the form's fields and in this one call only, never in state. */
export interface AuthSecrets {
  password: string
  newPassword: string
  code: string
}

export interface SignInFlow {
  step: AuthStep
  email: string
  setEmail(email: string): void
  note: AuthNote | undefined
  /** Main's plain-language reason the last call failed. */
  error: string | undefined
  busy: boolean
  go(step: AuthStep): void
  submit(secrets: AuthSecrets): Promise<void>
  /** A new code: for the sign-up confirmation, or for a password reset. */
  resendCode(): Promise<void>
}

/** Sign in, sign up with its email code, and password reset, each step one `auth:*` call. */
export function useSignInFlow(client: StreamDeskClient, onSignedIn: () => void): SignInFlow {
  const [step, setStep] = useState<AuthStep>('sign-in')
  const [email, setEmail] = useState('')
  const [note, setNote] = useState<AuthNote>()
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)

  const go = useCallback((next: AuthStep, nextNote?: AuthNote) => {
    setStep(next)
    setNote(nextNote)
    setError(undefined)
  }, [])

  /** Runs one call; a failure stays on this step with its message. */
  const run = useCallback(async <T>(call: Promise<Attempt<T>>, then: (result: T) => void) => {
    setBusy(true)
    setError(undefined)
    const attempt = await call
    setBusy(false)
    if (attempt.ok) then(attempt.result)
    else setError(attempt.message)
  }, [])

  const afterSignIn = useCallback(
    (result: SignInStep) => {
      if (result.kind === 'signed-in') onSignedIn()
      else go(result.kind === 'new-password-required' ? 'new-password' : 'mfa')
    },
    [go, onSignedIn],
  )

  const submit = useCallback(
    async ({ password, newPassword, code }: AuthSecrets) => {
      const address = email.trim()
      switch (step) {
        case 'sign-in':
          return run(client.attempt('auth:sign-in', address, password), afterSignIn)
        case 'new-password':
          return run(client.attempt('auth:answer-challenge', { newPassword }), afterSignIn)
        case 'mfa':
          return run(client.attempt('auth:answer-challenge', { mfaCode: code.trim() }), afterSignIn)
        case 'sign-up':
          return run(client.attempt('auth:sign-up', address, password), (result) =>
            result.confirmed ? go('sign-in', { kind: 'created' }) : go('confirm', sentTo(result.sentTo, address)),
          )
        case 'confirm':
          return run(client.attempt('auth:confirm-sign-up', address, code.trim()), () =>
            go('sign-in', { kind: 'confirmed' }),
          )
        case 'forgot':
          return run(client.attempt('auth:forgot-password', address), (result) =>
            go('reset', sentTo(result.sentTo, address)),
          )
        case 'reset':
          return run(client.attempt('auth:reset-password', address, code.trim(), newPassword), () =>
            go('sign-in', { kind: 'password-changed' }),
          )
      }
    },
    [afterSignIn, client, email, go, run, step],
  )

  const resendCode = useCallback(async () => {
    const address = email.trim()
    const call =
      step === 'reset' ? client.attempt('auth:forgot-password', address) : client.attempt('auth:resend-code', address)
    await run(call, (result) => setNote(sentTo(result.sentTo, address)))
  }, [client, email, run, step])

  return useMemo(
    () => ({ step, email, setEmail, note, error, busy, go: (next: AuthStep) => go(next), submit, resendCode }),
    [busy, email, error, go, note, resendCode, step, submit],
  )
}

/** Cognito names where the code went (often masked, "a***@e***"); without that, the address the user typed. */
function sentTo(destination: string | undefined, address: string): AuthNote {
  return { kind: 'sent-to', destination: destination ?? address }
}
