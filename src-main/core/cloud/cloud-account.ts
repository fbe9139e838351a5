/**
 * The user's cloud account for the configured backend: one CognitoAuth per backend configuration and proxy,
 * the auth IPC channels on it, and change notifications (sign-in and sign-out restart the mode).
 */
import type { CloudConfig } from '../../protocol/cloud-config'
import type { AuthState } from '../../shared/ipc-contract'
import type { Clock } from '../../lib/clock'
import { TypedEmitter } from '../../lib/typed-emitter'
import type { InvokeHandlers } from '../ipc/ipc-router'
import type { SettingsStore } from '../settings/settings-store'
import { CognitoAuth, type CodeDelivery } from './cognito-auth'
import { resolveProxy, type ProxyConfig } from '../../lib/http-proxy'
import type { TokenStore } from './token-store'

type AuthChannel = Extract<keyof InvokeHandlers, `auth:${string}`>

export interface CloudAccountOptions {
  settings: SettingsStore
  store: TokenStore
  clock: Clock
  env?: NodeJS.ProcessEnv
}

export class CloudAccount extends TypedEmitter<{ change: [AuthState] }> {
  private current:
    { auth: CognitoAuth; config: CloudConfig; proxyUrl: string | undefined; unsubscribe: () => void } | undefined

  constructor(private readonly options: CloudAccountOptions) {
    super()
  }

  /** The proxy for cloud traffic: the one in settings, else HTTPS_PROXY from the environment. */
  get proxy(): ProxyConfig | undefined {
    return resolveProxy({
      settingsUrl: this.options.settings.proxyUrl,
      ...(this.options.env ? { env: this.options.env } : {}),
    })
  }

  /** The account for the configured backend, or undefined when none is configured. */
  get auth(): CognitoAuth | undefined {
    const config = this.options.settings.cloudConfig
    if (!config) return undefined
    const proxyUrl = this.options.settings.proxyUrl
    if (this.current?.config !== config || this.current.proxyUrl !== proxyUrl) {
      this.current?.unsubscribe()
      const auth = new CognitoAuth({ config, store: this.options.store, proxy: this.proxy, clock: this.options.clock })
      this.current = { auth, config, proxyUrl, unsubscribe: auth.on('change', () => this.emit('change', this.state())) }
    }
    return this.current.auth
  }

  state(): AuthState {
    const auth = this.auth
    if (!auth) return { configured: false, signedIn: false }
    return { configured: true, signedIn: auth.state.signedIn, ...(auth.email ? { email: auth.email } : {}) }
  }

  /** Signs in again from the stored refresh token, if any; a network failure keeps the token for later. */
  async restore(): Promise<void> {
    try {
      await this.auth?.restore()
    } catch {
      // Offline: the app starts signed out of the cloud and shows history; the next start tries again.
    }
  }

  handlers(): Pick<InvokeHandlers, AuthChannel> {
    const auth = () => {
      const account = this.auth
      if (!account) throw new Error("Load your cloud backend's settings first (Settings → Cloud).")
      return account
    }
    return {
      'auth:get-state': () => this.state(),
      'auth:sign-up': async (email, password) => {
        const { confirmed, delivery } = await auth().signUp(email, password)
        return { confirmed, ...sentTo(delivery) }
      },
      'auth:confirm-sign-up': (email, code) => auth().confirmSignUp(email, code),
      'auth:resend-code': async (email) => sentTo(await auth().resendConfirmationCode(email)),
      'auth:sign-in': (email, password) => auth().signIn(email, password),
      'auth:answer-challenge': (answer) => auth().answerChallenge(answer),
      'auth:forgot-password': async (email) => sentTo(await auth().forgotPassword(email)),
      'auth:reset-password': (email, code, newPassword) => auth().confirmForgotPassword(email, code, newPassword),
      'auth:sign-out': () => auth().signOut(),
    }
  }
}

function sentTo(delivery: CodeDelivery | undefined): { sentTo?: string } {
  return delivery?.destination ? { sentTo: delivery.destination } : {}
}
