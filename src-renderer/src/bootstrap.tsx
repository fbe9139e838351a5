/**
 * What every StreamDesk page (the main window, quick ask) starts with: the services over `window.streamdesk`,
 * the stream store fed by `chat:updates` from the first moment, the React root with its error boundary, and the
 * `app:renderer-ready` signal once the page listens.
 */
import { StrictMode, useEffect, type ReactNode } from 'react'
import { createRoot } from 'react-dom/client'
import { createStreamDeskClient } from './api/streamdesk-client'
import { AppServicesContext, type AppServices } from './app-services'
import { ErrorBoundary } from './components/ErrorBoundary'
import { currentStrings } from './i18n'
import { createMarkdownEngine, type CodeBlockLabels } from './markdown/markdown-engine'
import { animationFrameScheduler } from './state/frame-scheduler'
import { StreamStore } from './state/stream-store'
import { ToastStore } from './state/toast-store'

/** Read at render time, so code blocks rendered after a language change get that language's labels. */
const codeBlockLabels: CodeBlockLabels = {
  get copy() {
    return currentStrings().code.copy
  },
  get copyAriaLabel() {
    return currentStrings().code.copyAriaLabel
  },
}

export function mountRenderer(page: ReactNode): void {
  const root = createRoot(document.getElementById('root')!)
  // Absent when the page is opened without the preload or the harness bridge: say so instead of a blank window.
  if (typeof window.streamdesk === 'undefined') {
    root.render(<p className="fatal">{currentStrings().missingBridge}</p>)
    return
  }
  const toasts = new ToastStore()
  const services: AppServices = {
    client: createStreamDeskClient(window.streamdesk, toasts),
    streams: new StreamStore(animationFrameScheduler()),
    toasts,
    markdown: createMarkdownEngine(codeBlockLabels),
  }
  services.client.on('chat:updates', (updates) => services.streams.apply(updates))
  root.render(
    <StrictMode>
      <ErrorBoundary>
        <AppServicesContext.Provider value={services}>
          {page}
          <SignalReady />
        </AppServicesContext.Provider>
      </ErrorBoundary>
    </StrictMode>,
  )
}

/**
 * Rendered after the page, so React runs its effect after all of the page's own (children's effects run first,
 * siblings' in order): by then the page has subscribed its event listeners, and main may send the events it held
 * for this window, e.g. the conversation quick ask asked to open in a main window it had just created.
 */
function SignalReady() {
  useEffect(() => window.streamdesk.signal('app:renderer-ready'), [])
  return null
}
