import { useEffect, useState } from 'react'
import type { AppStatus, ConnectionState } from '../../../src-main/shared/ipc-contract'
import type { StreamDeskClient } from '../api/streamdesk-client'
import type { UserMessage } from '../../../src-main/shared/user-message'

export interface AppStatusView {
  version?: string
  userLabel?: string
  connection?: ConnectionState
  /** Start-up messages for the user (e.g. a damaged settings file was set aside). */
  notices?: readonly UserMessage[]
}

/** `app:get-status` once, then `connection:changed`; whichever state is newer wins (they may cross). */
export function useAppStatus(client: StreamDeskClient): AppStatusView {
  const [status, setStatus] = useState<AppStatusView>({})
  useEffect(() => {
    let active = true
    const unsubscribe = client.on('connection:changed', (connection) =>
      setStatus((current) => ({ ...current, connection: newer(current.connection, connection) })),
    )
    void client.call('app:get-status').then((result?: AppStatus) => {
      if (!active || !result) return
      setStatus((current) => ({
        version: result.version,
        userLabel: result.userLabel,
        connection: newer(current.connection, result.connection),
        notices: result.notices,
      }))
    })
    return () => {
      active = false
      unsubscribe()
    }
  }, [client])
  return status
}

function newer(current: ConnectionState | undefined, incoming: ConnectionState): ConnectionState {
  return current && current.since > incoming.since ? current : incoming
}
