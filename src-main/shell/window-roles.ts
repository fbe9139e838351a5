import type { WebContents } from 'electron'
import type { WindowRole } from '../core/ipc/window-channels'

/**
 * Which app window each web contents is, recorded by the shell when it creates the window. IPC is judged by this,
 * not by the page's URL: the quick-ask window stays quick ask even if its page navigated to the main page.
 * A web contents the shell did not create has no role, and its calls are refused.
 */
export class WindowRoles {
  private readonly roles = new WeakMap<WebContents, WindowRole>()

  assign(contents: WebContents, role: WindowRole): void {
    this.roles.set(contents, role)
  }

  of(contents: WebContents): WindowRole | undefined {
    return this.roles.get(contents)
  }
}
