/**
 * Settings' "Discover models": the models an OpenAI-compatible server offers, so the user picks one instead of
 * typing its exact name. The key rules are the settings store's: a saved key goes only to the server (origin) it
 * was saved for, and a typed key goes over plain http to another computer only once the user confirmed it.
 */
import { listServerModels } from '../../backend/providers/openai-compatible'
import type { DiscoveredModels, DiscoverModelsRequest } from '../../shared/ipc-contract'
import { sendsKeyInClearText, urlOrigin } from '../../shared/server-address'
import { userMessage } from '../../shared/user-message'

/** Where a saved model's key is read (the settings store's `resolve`). */
interface SavedModels {
  resolve(modelId: string): { provider: string; baseUrl?: string; apiKey?: string } | undefined
}

export async function discoverModels(
  settings: SavedModels,
  request: DiscoverModelsRequest,
  options: { timeoutMs?: number } = {},
): Promise<DiscoveredModels> {
  const { baseUrl, apiKey: typedKey, modelId, allowKeyOverHttp = false } = request
  if (typedKey !== undefined && sendsKeyInClearText(baseUrl) && !allowKeyOverHttp) {
    return {
      ok: false,
      message: userMessage('server:key-over-http', {}),
      hint: userMessage('hint:confirm-key-over-http', {}),
    }
  }
  const saved = modelId === undefined ? undefined : settings.resolve(modelId)
  const savedKey =
    saved?.baseUrl !== undefined && urlOrigin(saved.baseUrl) === urlOrigin(baseUrl) ? saved.apiKey : undefined
  const apiKey = typedKey ?? savedKey
  const listing = await listServerModels({ baseUrl, ...(apiKey !== undefined && { apiKey }) }, options)
  if (!listing.ok) return listing
  return { ok: true, models: [...listing.ids].sort((a, b) => a.localeCompare(b)) }
}
