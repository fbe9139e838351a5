import { useCallback, useEffect, useRef, useState } from 'react'
import type { ModelCheck } from '../../../src-main/shared/ipc-contract'
import type { StreamDeskClient } from '../api/streamdesk-client'

export interface EndpointChecks {
  checks: readonly ModelCheck[] | undefined
  checking: boolean
  recheck(): void
}

/** `models:check` for the selected models, at start and whenever the selection changes. */
export function useEndpointChecks(client: StreamDeskClient, modelIds: readonly string[] | undefined): EndpointChecks {
  const [checks, setChecks] = useState<readonly ModelCheck[]>()
  const [checking, setChecking] = useState(false)
  const latestRun = useRef(0)
  const idsKey = modelIds?.join('\n')

  const run = useCallback(
    async (ids: string[]) => {
      const runId = ++latestRun.current
      setChecking(true)
      const result = await client.call('models:check', ids)
      if (runId !== latestRun.current) return
      setChecking(false)
      if (result) setChecks(result)
    },
    [client],
  )

  useEffect(() => {
    if (idsKey === undefined || idsKey === '') {
      latestRun.current++
      setChecks(undefined)
      return
    }
    void run(idsKey.split('\n'))
  }, [idsKey, run])

  const recheck = useCallback(() => {
    if (idsKey) void run(idsKey.split('\n'))
  }, [idsKey, run])

  return { checks, checking, recheck }
}
