import { app, ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron'
import { EVENT_CHANNELS, type EventChannel, type EventContract, type SignalChannel } from '../shared/ipc-contract'
import type { AppCore } from '../core/app-core'
import { errorForRenderer } from '../core/user-facing-error'
import { mayReceive } from '../core/ipc/window-channels'
import { isAppUrl, type AppOrigin } from './app-origin'
import type { WindowRoles } from './window-roles'
import { WindowReadyQueue, type MessageTarget } from './window-ready-queue'

const RENDERER_READY: SignalChannel = 'app:renderer-ready'

export interface IpcBridge {
  /** Sends one contract event to this window's page, held until the page has signalled it is ready. */
  sendTo<E extends EventChannel>(contents: WebContents, event: E, payload: EventContract[E]): void
  dispose(): void
}

/**
 * Connects the core's IPC router and events to Electron: each invoke channel gets one `ipcMain.handle`, which
 * first checks that the sender is a frame of the app itself, then lets the router judge the channel for the
 * sending window (its role, recorded when the shell created it); core events go to every app window that may
 * receive them (quick ask gets only its own few). Every event to a
 * window, the core's and the shell's own, goes through one window-ready queue, so none reaches a page before it
 * listens. Call it before creating windows: it tracks them from their creation.
 */
export function bridgeIpc(core: AppCore, origin: AppOrigin, roles: WindowRoles): IpcBridge {
  for (const channel of core.router.channels) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      const frameUrl = event.senderFrame?.url ?? ''
      const role = roles.of(event.sender)
      if (!isAppUrl(frameUrl, origin) || !role) throw new Error(`IPC from an unexpected sender was refused: ${channel}`)
      // Electron passes the renderer only an error's message: a keyed message rides in it (errorForRenderer).
      return core.router.invoke(channel, args, role).catch((error: unknown) => {
        throw errorForRenderer(error)
      })
    })
  }

  const queue = new WindowReadyQueue<EventContract, MessageTarget>({
    onOverflow: () => core.diagnostics.error('a window not ready for events held too many: the oldest were dropped'),
  })
  const targets = new WeakMap<WebContents, MessageTarget>()
  const targetOf = (contents: WebContents): MessageTarget => {
    let target = targets.get(contents)
    if (target) return target
    target = {
      // A page that is not the app's (navigation is blocked, so this is only defence in depth) gets nothing.
      send: (channel, payload) => {
        const role = roles.of(contents)
        if (role && mayReceive(role, channel) && isAppUrl(contents.getURL(), origin)) contents.send(channel, payload)
      },
      isDestroyed: () => contents.isDestroyed(),
    }
    targets.set(contents, target)
    const notReady = () => queue.markNotReady(target)
    // A reload or a new page (not an in-page hash change): the new page's listeners are not subscribed yet.
    contents.on('did-navigate', notReady)
    contents.on('render-process-gone', notReady)
    contents.once('destroyed', () => queue.forget(target))
    return target
  }

  const track = (_event: unknown, contents: WebContents) => {
    if (contents.getType() === 'window') queue.track(targetOf(contents))
  }
  app.on('web-contents-created', track)

  const onReady = (event: IpcMainEvent) => {
    const frame = event.senderFrame
    if (frame && frame.parent === null && isAppUrl(frame.url, origin)) queue.markReady(targetOf(event.sender))
  }
  ipcMain.on(RENDERER_READY, onReady)

  const unsubscribes = EVENT_CHANNELS.map((channel) =>
    core.events.on(channel, (payload) => queue.broadcast(channel, payload)),
  )
  return {
    sendTo: (contents, event, payload) => queue.send(targetOf(contents), event, payload),
    dispose() {
      for (const channel of core.router.channels) ipcMain.removeHandler(channel)
      ipcMain.removeListener(RENDERER_READY, onReady)
      app.removeListener('web-contents-created', track)
      for (const unsubscribe of unsubscribes) unsubscribe()
    },
  }
}
