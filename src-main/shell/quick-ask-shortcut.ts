import { globalShortcut } from 'electron'

/**
 * Keeps the quick-ask shortcut registered. The OS may refuse an accelerator (another app holds it): the previous one
 * is then kept, and `apply` says why, for the caller to refuse the change (Settings) or tell the user (start-up).
 */
export class QuickAskShortcut {
  private current: string | undefined

  constructor(private readonly onPress: () => void) {}

  get accelerator(): string | undefined {
    return this.current
  }

  /** Registers `accelerator` in place of the current one; the message for the user if the OS refuses it. */
  apply(accelerator: string): string | undefined {
    if (accelerator === this.current) return undefined
    let registered: boolean
    try {
      registered = globalShortcut.register(accelerator, this.onPress)
    } catch {
      registered = false
    }
    if (!registered)
      return `The shortcut ${accelerator} could not be registered: another application may be using it. Choose another in Settings.`
    if (this.current) globalShortcut.unregister(this.current)
    this.current = accelerator
    return undefined
  }

  dispose(): void {
    if (this.current) globalShortcut.unregister(this.current)
    this.current = undefined
  }
}
