import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createStreamDeskClient } from './api/streamdesk-client'
import { AppServicesContext, type AppServices } from './app-services'
import { App } from './components/App'
import { ErrorBoundary } from './components/ErrorBoundary'
import { t } from './i18n'
import { createMarkdownEngine } from './markdown/markdown-engine'
import { animationFrameScheduler } from './state/frame-scheduler'
import { StreamStore } from './state/stream-store'
import { ToastStore } from './state/toast-store'
import './styles/theme.css'
import './styles/app.css'
import './styles/markdown.css'
import './styles/highlight.css'

const root = createRoot(document.getElementById('root')!)

// Absent when the page is opened without the preload or the harness bridge: say so instead of a blank window.
if (typeof window.streamdesk === 'undefined') {
  root.render(<p className="fatal">{t.missingBridge}</p>)
} else {
  const toasts = new ToastStore()
  const services: AppServices = {
    client: createStreamDeskClient(window.streamdesk, toasts),
    streams: new StreamStore(animationFrameScheduler()),
    toasts,
    markdown: createMarkdownEngine({ copy: t.code.copy, copyAriaLabel: t.code.copyAriaLabel }),
  }
  root.render(
    <StrictMode>
      <ErrorBoundary>
        <AppServicesContext.Provider value={services}>
          <App />
        </AppServicesContext.Provider>
      </ErrorBoundary>
    </StrictMode>,
  )
}
