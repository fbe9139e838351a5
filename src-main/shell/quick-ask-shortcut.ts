import { globalShortcut } from 'electron'

/**
 * Keeps the quick-ask shortcut registered as the preferences change. The OS may refuse an accelerator (another
 * app holds it): the previous one is then kept and the user told why.
 */
export class QuickAskShortcut {
  private current: string | undefined

  constructor(
    private readonly onPress: () => void,
    private readonly onRefused: (message: string) => void,
  ) {}

  get accelerator(): string | undefined {
    return this.current
  }

  apply(accelerator: string): void {
    if (accelerator === this.current) return
    let registered: boolean
    try {
      registered = globalShortcut.register(accelerator, this.onPress)
    } catch {
      registered = false
    }
    if (!registered) {
      this.onRefused(
        `The shortcut ${accelerator} could not be registered: another application may be using it. Choose another in Settings.`,
      )
      return
    }
    if (this.current) globalShortcut.unregister(this.current)
    this.current = accelerator
  }

  dispose(): void {
    if (this.current) globalShortcut.unregister(this.current)
    this.current = undefined
  }
}
