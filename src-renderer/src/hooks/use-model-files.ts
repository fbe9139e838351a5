import { useCallback, useEffect, useState } from 'react'
import type { ModelDownloadState, ModelFilesView } from '../../../src-main/shared/ipc-contract'
import type { StreamDeskClient } from '../api/streamdesk-client'

export interface ModelFilesActions {
  view: ModelFilesView | undefined
  /** Resolves to why adding failed, in plain words (shown beside the button), or undefined. */
  addFromDisk(): Promise<string | undefined>
  remove(fileName: string): Promise<void>
  /** `select`: make the model the selected one once it is installed (the first-run offer). */
  download(catalogId: string, select?: boolean): Promise<void>
  cancel(catalogId: string): Promise<void>
  discard(catalogId: string): Promise<void>
}

/**
 * The models folder and the download catalog as main has them: `model-files:list`, then every
 * `model-files:changed`, with each download's progress (`model-files:download`) patched into its catalog entry.
 */
export function useModelFiles(client: StreamDeskClient): ModelFilesActions {
  const [view, setView] = useState<ModelFilesView>()

  useEffect(() => {
    let active = true
    const offChanged = client.on('model-files:changed', (next) => {
      active = false
      setView(next)
    })
    const offProgress = client.on('model-files:download', (state) =>
      setView((current) => current && withDownload(current, state)),
    )
    void client.call('model-files:list').then((loaded) => {
      if (active && loaded) setView(loaded)
    })
    return () => {
      active = false
      offChanged()
      offProgress()
    }
  }, [client])

  const adopt = useCallback(async (pending: Promise<ModelFilesView | undefined>) => {
    const next = await pending
    if (next) setView(next)
  }, [])

  return {
    view,
    addFromDisk: useCallback(async () => {
      const attempt = await client.attempt('model-files:add-from-disk')
      if (!attempt.ok) return attempt.message
      setView(attempt.result)
      return undefined
    }, [client]),
    remove: useCallback((fileName: string) => adopt(client.call('model-files:delete', fileName)), [adopt, client]),
    // A download's answer may arrive after its own progress events (even after it finished, for a small file), so
    // these two take their state from the events alone, never from the (possibly older) answer.
    download: useCallback(
      async (catalogId: string, select = false) => {
        await client.call('model-files:download', catalogId, { select })
      },
      [client],
    ),
    cancel: useCallback(
      async (catalogId: string) => {
        await client.call('model-files:cancel-download', catalogId)
      },
      [client],
    ),
    discard: useCallback(
      (catalogId: string) => adopt(client.call('model-files:discard-download', catalogId)),
      [adopt, client],
    ),
  }
}

function withDownload(view: ModelFilesView, state: ModelDownloadState): ModelFilesView {
  return {
    ...view,
    catalog: view.catalog.map((entry) => (entry.id === state.catalogId ? { ...entry, download: state } : entry)),
  }
}
