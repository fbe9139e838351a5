/** The app's long-lived objects, created once in main.tsx and handed to components through context. */
import { createContext, useContext } from 'react'
import type { StreamDeskClient } from './api/streamdesk-client'
import type { MarkdownEngine } from './markdown/markdown-engine'
import type { StreamStore } from './state/stream-store'
import type { ToastStore } from './state/toast-store'

export interface AppServices {
  client: StreamDeskClient
  streams: StreamStore
  toasts: ToastStore
  markdown: MarkdownEngine
}

export const AppServicesContext = createContext<AppServices | null>(null)

export function useServices(): AppServices {
  const services = useContext(AppServicesContext)
  if (!services) throw new Error('useServices() outside <AppServicesContext.Provider>')
  return services
}
