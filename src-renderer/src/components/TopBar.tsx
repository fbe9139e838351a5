import type { ConnectionState } from '../../../src-main/shared/ipc-contract'
import { t } from '../i18n'
import { SidebarIcon } from './icons'
import { SIDEBAR_ID } from './Sidebar'

interface TopBarProps {
  connection: ConnectionState | undefined
  sidebarCollapsed: boolean
  onToggleSidebar(): void
  onNewChat(): void
  onOpenSettings(): void
  onOpenDiagnostics(): void
}

export function TopBar(props: TopBarProps) {
  const { connection, sidebarCollapsed, onToggleSidebar, onNewChat, onOpenSettings, onOpenDiagnostics } = props
  const toggleLabel = sidebarCollapsed ? t.topBar.showSidebar : t.topBar.hideSidebar
  return (
    <header className="top-bar">
      <button
        type="button"
        className="icon-button sidebar-toggle"
        data-testid="sidebar-toggle"
        aria-controls={SIDEBAR_ID}
        aria-expanded={!sidebarCollapsed}
        aria-label={toggleLabel}
        title={toggleLabel}
        onClick={onToggleSidebar}
      >
        <SidebarIcon />
      </button>
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <h1 className="brand-name">{t.appName}</h1>
        <span className="mode-badge">{t.mode[connection?.mode ?? 'local']}</span>
      </div>
      <ConnectionIndicator connection={connection} />
      <nav className="top-actions">
        <button type="button" className="button" data-testid="new-chat-button" onClick={onNewChat}>
          {t.topBar.newChat}
        </button>
        <button type="button" className="button ghost" data-testid="settings-button" onClick={onOpenSettings}>
          {t.topBar.settings}
        </button>
        <button type="button" className="button ghost" data-testid="diagnostics-button" onClick={onOpenDiagnostics}>
          {t.topBar.diagnostics}
        </button>
      </nav>
    </header>
  )
}

function ConnectionIndicator({ connection }: { connection: ConnectionState | undefined }) {
  const status = connection?.status ?? 'starting'
  const showDetail = (status === 'failed' || status === 'offline') && connection?.detail
  return (
    <div
      className="connection"
      data-testid="connection-state"
      data-status={status}
      role="status"
      aria-label={t.connectionAriaLabel}
      title={connection?.detail}
    >
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-text">
        {t.connection[status]}
        {showDetail && <span className="connection-detail"> · {connection.detail}</span>}
      </span>
    </div>
  )
}
