import { useState, type FormEvent } from 'react'
import type { AuthState } from '../../../../src-main/shared/ipc-contract'
import { useServices } from '../../app-services'
import { useSignInFlow, type AuthNote, type AuthStep, type SignInFlow } from '../../hooks/use-sign-in-flow'
import { useStrings, type Strings } from '../../i18n'

interface SignInScreenProps {
  auth: AuthState
  onSignedIn(): void
  onOpenSettings(): void
  onUseLocal(): void
}

/** Shown instead of the chat in cloud mode until the user has signed in. */
export function SignInScreen({ auth, onSignedIn, onOpenSettings, onUseLocal }: SignInScreenProps) {
  const t = useStrings()
  return (
    <main className="sign-in-screen" data-testid="sign-in-screen">
      <div className="auth-card">
        <div className="brand auth-brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">{t.appName}</span>
        </div>
        {auth.configured ? (
          <AuthSteps onSignedIn={onSignedIn} />
        ) : (
          <>
            <p>{t.auth.notConfigured}</p>
            <div className="form-actions">
              <button type="button" className="button primary" onClick={onOpenSettings}>
                {t.auth.openSettings}
              </button>
            </div>
          </>
        )}
        <button type="button" className="link-button auth-use-local" onClick={onUseLocal}>
          {t.auth.useLocal}
        </button>
      </div>
    </main>
  )
}

type Field = 'email' | 'password' | 'newPassword' | 'code'
type Link = 'sign-up' | 'forgot' | 'confirm' | 'sign-in' | 'resend'

interface StepView {
  title(t: Strings): string
  intro?(t: Strings): string
  fields: readonly Field[]
  submit(t: Strings): string
  links: readonly Link[]
}

const STEPS: Record<AuthStep, StepView> = {
  'sign-in': {
    title: (t) => t.auth.signInTitle,
    intro: (t) => t.auth.signInIntro,
    fields: ['email', 'password'],
    submit: (t) => t.auth.signIn,
    links: ['forgot', 'sign-up', 'confirm'],
  },
  'sign-up': {
    title: (t) => t.auth.signUpTitle,
    fields: ['email', 'password'],
    submit: (t) => t.auth.signUp,
    links: ['sign-in'],
  },
  confirm: {
    title: (t) => t.auth.confirmTitle,
    fields: ['email', 'code'],
    submit: (t) => t.auth.confirm,
    links: ['resend', 'sign-in'],
  },
  forgot: {
    title: (t) => t.auth.forgotTitle,
    intro: (t) => t.auth.forgotIntro,
    fields: ['email'],
    submit: (t) => t.auth.sendCode,
    links: ['sign-in'],
  },
  reset: {
    title: (t) => t.auth.resetTitle,
    fields: ['code', 'newPassword'],
    submit: (t) => t.auth.setPassword,
    links: ['resend', 'sign-in'],
  },
  'new-password': {
    title: (t) => t.auth.newPasswordTitle,
    intro: (t) => t.auth.newPasswordIntro,
    fields: ['newPassword'],
    submit: (t) => t.auth.setPassword,
    links: ['sign-in'],
  },
  mfa: {
    title: (t) => t.auth.mfaTitle,
    intro: (t) => t.auth.mfaIntro,
    fields: ['code'],
    submit: (t) => t.auth.verify,
    links: ['sign-in'],
  },
}

function AuthSteps({ onSignedIn }: { onSignedIn(): void }) {
  const { client } = useServices()
  const flow = useSignInFlow(client, onSignedIn)
  // A new step is a new form: fields (and any secret typed into them) start empty.
  return <StepForm key={flow.step} flow={flow} />
}

function StepForm({ flow }: { flow: SignInFlow }) {
  const t = useStrings()
  const view = STEPS[flow.step]
  const [secrets, setSecrets] = useState({ password: '', newPassword: '', code: '' })
  const firstField = view.fields.find((field) => field !== 'email' || flow.email === '')

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    const submitted = secrets
    // Out of the fields at once: whatever comes back, a password or code is not kept on screen.
    setSecrets({ password: '', newPassword: '', code: '' })
    void flow.submit(submitted)
  }

  return (
    <form className="auth-form" onSubmit={onSubmit} aria-busy={flow.busy}>
      <h2>{view.title(t)}</h2>
      {view.intro && <p className="muted">{view.intro(t)}</p>}
      {flow.note && (
        <p className="auth-note" role="status">
          {noteText(t, flow.note)}
        </p>
      )}
      {view.fields.map((field) =>
        field === 'email' ? (
          <label key={field} className="field">
            <span>{t.auth.email}</span>
            <input
              type="email"
              data-testid="auth-email"
              autoComplete="username"
              spellCheck={false}
              required
              autoFocus={firstField === field}
              value={flow.email}
              onChange={(event) => flow.setEmail(event.target.value)}
            />
          </label>
        ) : (
          <SecretField
            key={field}
            field={field}
            creating={flow.step === 'sign-up'}
            autoFocus={firstField === field}
            value={secrets[field]}
            onChange={(value) => setSecrets((current) => ({ ...current, [field]: value }))}
          />
        ),
      )}
      {flow.error !== undefined && (
        <p className="field-error" data-testid="auth-error" role="alert">
          {flow.error}
        </p>
      )}
      <button type="submit" className="button primary auth-submit" data-testid="auth-submit" disabled={flow.busy}>
        {flow.busy ? t.auth.working : view.submit(t)}
      </button>
      <div className="auth-links">
        {view.links.map((link) => (
          <StepLink key={link} link={link} flow={flow} />
        ))}
      </div>
    </form>
  )
}

function SecretField(props: {
  field: Exclude<Field, 'email'>
  /** Sign-up's password is a new one (password managers offer to generate it). */
  creating: boolean
  autoFocus: boolean
  value: string
  onChange(value: string): void
}) {
  const t = useStrings()
  const { field, creating, autoFocus, value, onChange } = props
  const common = {
    autoFocus,
    value,
    required: true,
    onChange: (event: { target: { value: string } }) => onChange(event.target.value),
  }
  if (field === 'code') {
    return (
      <label className="field">
        <span>{t.auth.code}</span>
        <input
          {...common}
          data-testid="auth-code"
          inputMode="numeric"
          autoComplete="one-time-code"
          spellCheck={false}
        />
      </label>
    )
  }
  const isNew = field === 'newPassword'
  return (
    <label className="field">
      <span>{isNew ? t.auth.newPassword : t.auth.password}</span>
      <input
        {...common}
        type="password"
        data-testid={isNew ? 'auth-new-password' : 'auth-password'}
        autoComplete={isNew || creating ? 'new-password' : 'current-password'}
      />
    </label>
  )
}

function StepLink({ link, flow }: { link: Link; flow: SignInFlow }) {
  const t = useStrings()
  const links: Record<Link, { testId: string; label: string; onClick(): void }> = {
    'sign-up': { testId: 'auth-to-sign-up', label: t.auth.toSignUp, onClick: () => flow.go('sign-up') },
    forgot: { testId: 'auth-to-forgot', label: t.auth.toForgot, onClick: () => flow.go('forgot') },
    confirm: { testId: 'auth-to-confirm', label: t.auth.toConfirm, onClick: () => flow.go('confirm') },
    'sign-in': { testId: 'auth-to-sign-in', label: t.auth.toSignIn, onClick: () => flow.go('sign-in') },
    resend: { testId: 'auth-resend', label: t.auth.resend, onClick: () => void flow.resendCode() },
  }
  const { testId, label, onClick } = links[link]
  return (
    <button type="button" className="link-button" data-testid={testId} disabled={flow.busy} onClick={onClick}>
      {label}
    </button>
  )
}

function noteText(t: Strings, note: AuthNote): string {
  switch (note.kind) {
    case 'sent-to':
      return t.auth.sentTo(note.destination)
    case 'created':
      return t.auth.created
    case 'confirmed':
      return t.auth.confirmed
    case 'password-changed':
      return t.auth.passwordChanged
  }
}
