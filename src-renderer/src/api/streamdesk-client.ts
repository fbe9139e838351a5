/**
 * The renderer's one door to `window.streamdesk`. A failed `invoke` (validation error, main-process failure)
 * becomes an error toast and an `undefined` result, so no caller can crash the UI by forgetting a `catch`.
 */
import type {
  EventChannel,
  EventContract,
  ImportResult,
  InvokeArgs,
  InvokeChannel,
  InvokeResult,
  StreamDeskApi,
} from '../../../src-main/shared/ipc-contract'
import type { ToastStore } from '../state/toast-store'
import { describeError } from '../format/describe-error'
import { currentStrings } from '../i18n'

export type Attempt<T> = { ok: true; result: T } | { ok: false; message: string }

export interface StreamDeskClient {
  call<C extends InvokeChannel>(channel: C, ...args: InvokeArgs<C>): Promise<InvokeResult<C> | undefined>
  /** For a caller that says what went wrong in its own words: no toast, the failure comes back as one sentence. */
  attempt<C extends InvokeChannel>(channel: C, ...args: InvokeArgs<C>): Promise<Attempt<InvokeResult<C>>>
  on<E extends EventChannel>(event: E, listener: (payload: EventContract[E]) => void): () => void
  /** Imports a picked or dropped history file (see StreamDeskApi.importHistoryFile), the failure as one sentence. */
  attemptImport(file: Blob): Promise<Attempt<ImportResult>>
}

export function createStreamDeskClient(api: StreamDeskApi, toasts: ToastStore): StreamDeskClient {
  return {
    async call(channel, ...args) {
      try {
        return await api.invoke(channel, ...args)
      } catch (error) {
        toasts.show(describeError(error, currentStrings()), 'error')
        return undefined
      }
    },
    async attempt(channel, ...args) {
      try {
        return { ok: true, result: await api.invoke(channel, ...args) }
      } catch (error) {
        return { ok: false, message: describeError(error, currentStrings()) }
      }
    },
    on: (event, listener) => api.on(event, listener),
    async attemptImport(file) {
      try {
        return { ok: true, result: await api.importHistoryFile(file) }
      } catch (error) {
        return { ok: false, message: describeError(error, currentStrings()) }
      }
    },
  }
}
