import { useCallback, useEffect, useRef, useState } from 'react'
import type { AppMode, AppPreferences, ModelInput, PublicSettings } from '../../../src-main/shared/ipc-contract'
import type { Attempt, StreamDeskClient } from '../api/streamdesk-client'
import type { GenerationParameters } from '../../../src-main/shared/generation'
import type { ModelPrice } from '../../../src-main/shared/price'

export interface SettingsActions {
  settings: PublicSettings | undefined
  /** Each resolves to the new settings, or undefined when main refused (a toast says why). */
  saveModel(input: ModelInput): Promise<PublicSettings | undefined>
  removeModel(modelId: string): Promise<PublicSettings | undefined>
  selectModels(modelIds: string[]): Promise<PublicSettings | undefined>
  setMode(mode: AppMode): Promise<PublicSettings | undefined>
  /** These resolve to undefined when saved, else to why not in plain words, for the form to show (no toast). */
  setCloudConfig(json: string): Promise<string | undefined>
  setProxy(url: string | null): Promise<string | undefined>
  setPreferences(changes: Partial<AppPreferences>): Promise<string | undefined>
  /** The app-wide defaults, or one model's overrides. */
  setParameters(parameters: GenerationParameters, modelId?: string): Promise<string | undefined>
  /** One model's price, or null for its list price; resolves to why not, or undefined when saved. */
  setPrice(modelId: string, price: ModelPrice | null): Promise<string | undefined>
  setDefaultSystemPrompt(text: string): Promise<string | undefined>
}

/**
 * The settings as main has them: `settings:get`, then each call's answer and every `settings:changed` (another
 * window, e.g. quick ask or the main window, may change them too).
 */
export function useSettings(client: StreamDeskClient): SettingsActions {
  const [settings, setSettings] = useState<PublicSettings>()
  const changesInFlight = useRef(0)

  useEffect(() => {
    let active = true
    const unsubscribe = client.on('settings:changed', (next) => {
      active = false
      // While a click of this window is on its way, main's news of an earlier state would undo it on screen.
      if (changesInFlight.current === 0) setSettings(next)
    })
    void client.call('settings:get').then((loaded) => {
      if (active && loaded) setSettings(loaded)
    })
    return () => {
      active = false
      unsubscribe()
    }
  }, [client])

  const adopt = useCallback(async (pending: Promise<PublicSettings | undefined>) => {
    const next = await pending
    if (next) setSettings(next)
    return next
  }, [])

  /**
   * Shows `change` at once, so a checkbox or radio follows the click; main's answer then settles it, and a
   * refusal puts the previous state back. With several clicks in flight only the last answer is shown: main
   * answers each with its whole settings, so the last one holds every change, and an earlier one arriving between
   * two clicks would flip a checkbox back for a moment.
   */
  const optimistic = useCallback(
    async <T>(
      change: (current: PublicSettings) => PublicSettings,
      request: () => Promise<{ next?: PublicSettings; result: T }>,
    ) => {
      let previous: PublicSettings | undefined
      setSettings((current) => {
        previous = current
        return current && change(current)
      })
      changesInFlight.current++
      let answer: { next?: PublicSettings; result: T }
      try {
        answer = await request()
      } finally {
        changesInFlight.current--
      }
      if (changesInFlight.current === 0) {
        if (answer.next) setSettings(answer.next)
        else if (previous) setSettings(previous)
      }
      return answer.result
    },
    [],
  )

  const selectModels = useCallback(
    (modelIds: string[]) =>
      optimistic(
        (current) => ({ ...current, selectedModelIds: modelIds }),
        () => settledBy(client.call('settings:select-models', modelIds)),
      ),
    [client, optimistic],
  )

  const setMode = useCallback(
    (mode: AppMode) =>
      optimistic(
        (current) => ({ ...current, mode }),
        () => settledBy(client.call('settings:set-mode', mode)),
      ),
    [client, optimistic],
  )

  const setPreferences = useCallback(
    (changes: Partial<AppPreferences>) =>
      optimistic(
        // A typed shortcut shows as saved only once main has accepted it (it may be refused, with a reason).
        (current) => {
          const { quickAskShortcut: _checkedByMain, ...instant } = changes
          return { ...current, preferences: { ...current.preferences, ...instant } }
        },
        async () => {
          const attempt = await client.attempt('settings:set-preferences', changes)
          return attempt.ok ? { next: attempt.result, result: undefined } : { result: attempt.message }
        },
      ),
    [client, optimistic],
  )

  const settleAttempt = useCallback(async (pending: Promise<Attempt<PublicSettings>>) => {
    const attempt = await pending
    if (!attempt.ok) return attempt.message
    setSettings(attempt.result)
    return undefined
  }, [])

  return {
    settings,
    saveModel: useCallback((input: ModelInput) => adopt(client.call('settings:save-model', input)), [adopt, client]),
    removeModel: useCallback(
      (modelId: string) => adopt(client.call('settings:remove-model', modelId)),
      [adopt, client],
    ),
    selectModels,
    setMode,
    setCloudConfig: useCallback(
      (json: string) => settleAttempt(client.attempt('settings:set-cloud-config', json)),
      [client, settleAttempt],
    ),
    setProxy: useCallback(
      (url: string | null) => settleAttempt(client.attempt('settings:set-proxy', url)),
      [client, settleAttempt],
    ),
    setPreferences,
    setParameters: useCallback(
      (parameters: GenerationParameters, modelId?: string) =>
        settleAttempt(
          modelId === undefined
            ? client.attempt('settings:set-parameters', parameters)
            : client.attempt('settings:set-parameters', parameters, modelId),
        ),
      [client, settleAttempt],
    ),
    setPrice: useCallback(
      (modelId: string, price: ModelPrice | null) =>
        settleAttempt(client.attempt('settings:set-price', modelId, price)),
      [client, settleAttempt],
    ),
    setDefaultSystemPrompt: useCallback(
      (text: string) => settleAttempt(client.attempt('settings:set-system-prompt', text)),
      [client, settleAttempt],
    ),
  }
}

/** A call whose answer is both the new settings and what the action resolves to. */
async function settledBy(
  call: Promise<PublicSettings | undefined>,
): Promise<{ next?: PublicSettings; result: PublicSettings | undefined }> {
  const next = await call
  return { next, result: next }
}
