import { useCallback, useEffect, useMemo, useState } from 'react'
import { useServices } from '../app-services'
import { useAppStatus } from '../hooks/use-app-status'
import { useConversation } from '../hooks/use-conversation'
import { useEndpointChecks } from '../hooks/use-endpoint-checks'
import { useHistoryActions } from '../hooks/use-history-actions'
import { useHistoryList } from '../hooks/use-history-list'
import { useSettings } from '../hooks/use-settings'
import { useSidebarCollapsed } from '../hooks/use-sidebar-collapsed'
import { ConversationView } from './ConversationView'
import { DiagnosticsPanel } from './DiagnosticsPanel'
import { EndpointBanner } from './EndpointBanner'
import { ModelPicker } from './ModelPicker'
import { PromptBox } from './PromptBox'
import { SettingsPanel } from './SettingsPanel'
import { Sidebar } from './Sidebar'
import { Toasts } from './Toasts'
import { TopBar } from './TopBar'

type Panel = 'settings' | 'diagnostics'

export function App() {
  const { client, streams, toasts } = useServices()
  const { connection, notices } = useAppStatus(client)
  const { settings, saveModel, removeModel, selectModels } = useSettings(client)
  const conversation = useConversation(client, streams, toasts)
  const history = useHistoryList(client)
  const historyActions = useHistoryActions(client, toasts, conversation.deleted)
  const [sidebarCollapsed, setSidebarCollapsed] = useSidebarCollapsed()
  const [panel, setPanel] = useState<Panel>()
  const closePanel = useCallback(() => setPanel(undefined), [])

  useEffect(() => client.on('chat:updates', (updates) => streams.apply(updates)), [client, streams])
  useEffect(() => client.on('app:notice', (notice) => toasts.show(notice.message, notice.level)), [client, toasts])
  // Quick ask's "Open in StreamDesk".
  const { open } = conversation
  useEffect(() => client.on('app:open-conversation', (conversationId) => void open(conversationId)), [client, open])
  useEffect(() => notices?.forEach((notice) => toasts.show(notice, 'warning')), [notices, toasts])

  const { exchanges } = conversation
  const viewStreamIds = useMemo(
    () => new Set(exchanges.flatMap((exchange) => (exchange.streamId === undefined ? [] : [exchange.streamId]))),
    [exchanges],
  )

  const models = useMemo(() => settings?.models ?? [], [settings])
  // Only ids that still name a configured model count as selected.
  const selectedIds = useMemo(
    () => models.filter((model) => settings?.selectedModelIds.includes(model.id)).map((model) => model.id),
    [models, settings],
  )
  const labelOf = useCallback((id: string) => models.find((model) => model.id === id)?.label ?? id, [models])

  const endpoints = useEndpointChecks(client, settings ? selectedIds : undefined)
  const [dismissedChecks, setDismissedChecks] = useState<unknown>()
  const noneReachable =
    endpoints.checks !== undefined &&
    endpoints.checks.length > 0 &&
    endpoints.checks.every((check) => !check.reachable) &&
    dismissedChecks !== endpoints.checks

  const { send } = conversation
  const sendPrompt = useCallback(
    (prompt: string) => send(prompt, selectedIds.map((id) => ({ id, label: labelOf(id) }))),
    [labelOf, selectedIds, send],
  )

  return (
    <div className="app">
      <TopBar
        connection={connection}
        sidebarCollapsed={sidebarCollapsed}
        onToggleSidebar={() => setSidebarCollapsed(!sidebarCollapsed)}
        onNewChat={conversation.newChat}
        onOpenSettings={() => setPanel('settings')}
        onOpenDiagnostics={() => setPanel('diagnostics')}
      />
      <div className="app-body">
        <Sidebar
          collapsed={sidebarCollapsed}
          list={history}
          actions={historyActions}
          activeConversationId={conversation.view.conversationId}
          onOpen={conversation.open}
        />
        <div className="chat">
          <ConversationView
            key={conversation.view.key}
            exchanges={exchanges}
            onStop={conversation.stop}
            scrollTo={conversation.view.scrollTo}
          />
          <footer className="composer">
            {noneReachable && (
              <EndpointBanner
                checks={endpoints.checks!}
                labelOf={labelOf}
                checking={endpoints.checking}
                onRecheck={endpoints.recheck}
                onOpenSettings={() => setPanel('settings')}
                onDismiss={() => setDismissedChecks(endpoints.checks)}
              />
            )}
            <PromptBox
              canSend={selectedIds.length > 0 && !conversation.sending}
              streamIds={viewStreamIds}
              onSend={sendPrompt}
              onStopAll={conversation.stopAll}
            >
              <ModelPicker
                models={settings && models}
                selectedIds={selectedIds}
                onChange={(ids) => void selectModels(ids)}
                onAddModel={() => setPanel('settings')}
              />
            </PromptBox>
          </footer>
        </div>
      </div>
      {panel === 'settings' && (
        <SettingsPanel settings={settings} onSave={saveModel} onRemove={removeModel} onClose={closePanel} />
      )}
      {panel === 'diagnostics' && <DiagnosticsPanel onClose={closePanel} />}
      <Toasts />
    </div>
  )
}
