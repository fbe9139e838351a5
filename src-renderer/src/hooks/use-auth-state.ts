import { useCallback, useEffect, useRef, useState } from 'react'
import type { AuthState } from '../../../src-main/shared/ipc-contract'
import type { StreamDeskClient } from '../api/streamdesk-client'

/** The cloud account as main reports it: `auth:get-state`, then every `auth:changed`. Undefined until known. */
export function useAuthState(client: StreamDeskClient): { auth: AuthState | undefined; refresh(): void } {
  const [auth, setAuth] = useState<AuthState>()
  // An answer to a request older than the latest event (or request) is stale.
  const latest = useRef(0)

  const refresh = useCallback(() => {
    const request = ++latest.current
    void client.call('auth:get-state').then((state) => {
      if (state && request === latest.current) setAuth(state)
    })
  }, [client])

  useEffect(() => {
    const unsubscribe = client.on('auth:changed', (state) => {
      latest.current++
      setAuth(state)
    })
    refresh()
    return unsubscribe
  }, [client, refresh])

  return { auth, refresh }
}
