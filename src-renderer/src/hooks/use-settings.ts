import { useCallback, useEffect, useState } from 'react'
import type { ModelInput, PublicSettings } from '../../../src-main/shared/ipc-contract'
import type { StreamDeskClient } from '../api/streamdesk-client'

export interface SettingsActions {
  settings: PublicSettings | undefined
  /** Each resolves to the new settings, or undefined when main refused (a toast says why). */
  saveModel(input: ModelInput): Promise<PublicSettings | undefined>
  removeModel(modelId: string): Promise<PublicSettings | undefined>
  selectModels(modelIds: string[]): Promise<PublicSettings | undefined>
}

export function useSettings(client: StreamDeskClient): SettingsActions {
  const [settings, setSettings] = useState<PublicSettings>()

  useEffect(() => {
    let active = true
    void client.call('settings:get').then((loaded) => {
      if (active && loaded) setSettings(loaded)
    })
    return () => {
      active = false
    }
  }, [client])

  const adopt = useCallback(async (pending: Promise<PublicSettings | undefined>) => {
    const next = await pending
    if (next) setSettings(next)
    return next
  }, [])

  const selectModels = useCallback(
    async (modelIds: string[]) => {
      let previous: PublicSettings | undefined
      // Optimistic, so the checkbox follows the click at once; main's answer (or the old state) then settles it.
      setSettings((current) => {
        previous = current
        return current && { ...current, selectedModelIds: modelIds }
      })
      const next = await adopt(client.call('settings:select-models', modelIds))
      if (!next && previous) setSettings(previous)
      return next
    },
    [adopt, client],
  )

  return {
    settings,
    saveModel: useCallback((input: ModelInput) => adopt(client.call('settings:save-model', input)), [adopt, client]),
    removeModel: useCallback(
      (modelId: string) => adopt(client.call('settings:remove-model', modelId)),
      [adopt, client],
    ),
    selectModels,
  }
}
