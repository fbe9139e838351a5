/**
 * One instance of something the OS may destroy behind the app's back (a window closed with Alt+F4), made again on
 * its next use instead of failing with "Object has been destroyed". No `electron` here, so Node tests drive it.
 */
export class Recreatable<T extends { isDestroyed(): boolean }> {
  private instance: T | undefined

  constructor(private readonly create: () => T) {}

  /** The live instance, created first if there is none or it was destroyed. */
  get(): T {
    if (!this.instance || this.instance.isDestroyed()) this.instance = this.create()
    return this.instance
  }

  /** The live instance, if any, without creating one (to hide or destroy it). */
  existing(): T | undefined {
    return this.instance && !this.instance.isDestroyed() ? this.instance : undefined
  }
}
