/**
 * Settings' "Discover models" through the real settings store and a model server on loopback, answering with the
 * model lists servers document: OpenAI's API reference example for `GET /v1/models`
 * (https://platform.openai.com/docs/api-reference/models/list, "Returns": the list object below, ids and owners as
 * printed there), and Ollama's OpenAI-compatible listing, whose shape (`owned_by: "library"`, tags in the ids)
 * comes from ToListCompletion in github.com/ollama/ollama openai/openai.go.
 */
import type { IncomingMessage } from 'node:http'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { discoverModels } from '../../../src-main/core/models/discover-models'
import { SettingsStore, type SecretCodec } from '../../../src-main/core/settings/settings-store'
import { startLoopbackServer, type LoopbackServer } from '../../support/loopback-server'
import { makeTempDir } from '../../support/temp-dir'
import { en } from '../../../src-renderer/src/i18n/en'
import { messageText } from '../../../src-renderer/src/i18n/main-message'
import type { DiscoveredModels } from '../../../src-main/shared/ipc-contract'

/** A failed discovery as the English UI words it (the result itself is a key with params, see user-message.ts). */
function english(result: DiscoveredModels) {
  if (result.ok) return result
  return {
    ...result,
    message: messageText(en, result.message),
    ...(result.hint && { hint: messageText(en, result.hint) }),
  }
}

const OPENAI_MODELS = `{
  "object": "list",
  "data": [
    { "id": "model-id-0", "object": "model", "created": 1686935002, "owned_by": "organization-owner" },
    { "id": "model-id-1", "object": "model", "created": 1686935002, "owned_by": "organization-owner" },
    { "id": "model-id-2", "object": "model", "created": 1686935002, "owned_by": "openai" }
  ]
}`
const OLLAMA_MODELS =
  '{"object":"list","data":[{"id":"qwen2.5:7b","object":"model","created":1733251466,"owned_by":"library"},' +
  '{"id":"llama3.2:latest","object":"model","created":1729542389,"owned_by":"library"}]}'

/** Keys at rest as the keychain would keep them: not the plain text. */
const codec: SecretCodec = {
  encrypts: true,
  encrypt: (plain) => `enc:${Buffer.from(plain).toString('base64')}`,
  decrypt: (stored) => Buffer.from(stored.slice(4), 'base64').toString(),
}

const servers: LoopbackServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/** A server answering `GET /v1/models` with `body` (and `status`), recording each request's Authorization. */
async function modelServer(body: string, status = 200) {
  const authorizations: (string | undefined)[] = []
  const server = await startLoopbackServer((req: IncomingMessage, res) => {
    authorizations.push(req.headers.authorization)
    if (req.url !== '/v1/models') return res.writeHead(404).end()
    res.writeHead(status, { 'content-type': 'application/json' }).end(body)
  })
  servers.push(server)
  return { baseUrl: `${server.origin}/v1`, origin: server.origin, authorizations }
}

async function settingsWithModel(baseUrl: string, apiKey: string) {
  const store = await SettingsStore.open(join(await makeTempDir('discover'), 'settings.json'), codec)
  const saved = await store.saveModel({ label: 'Saved', provider: 'openai-compatible', baseUrl, model: 'x', apiKey })
  return { store, modelId: saved.models.find((model) => model.label === 'Saved')!.id }
}

describe('discover models', () => {
  it("lists a server's models by id, sorted, from OpenAI's and Ollama's documented listings", async () => {
    const openai = await modelServer(OPENAI_MODELS)
    const { store } = await settingsWithModel(openai.baseUrl, 'sk-1')
    expect(await discoverModels(store, { baseUrl: openai.baseUrl, apiKey: 'sk-typed' })).toEqual({
      ok: true,
      models: ['model-id-0', 'model-id-1', 'model-id-2'],
    })
    expect(openai.authorizations).toEqual(['Bearer sk-typed'])
    const ollama = await modelServer(OLLAMA_MODELS)
    expect(await discoverModels(store, { baseUrl: ollama.baseUrl })).toEqual({
      ok: true,
      models: ['llama3.2:latest', 'qwen2.5:7b'],
    })
    expect(ollama.authorizations).toEqual([undefined])
  })

  it('sends a saved key only to the server it was saved for', async () => {
    const home = await modelServer(OPENAI_MODELS)
    const elsewhere = await modelServer(OPENAI_MODELS)
    const { store, modelId } = await settingsWithModel(home.baseUrl, 'sk-saved')
    expect(await discoverModels(store, { baseUrl: home.baseUrl, modelId })).toMatchObject({ ok: true })
    expect(home.authorizations).toEqual(['Bearer sk-saved'])
    // The form's address moved to another server: the saved key stays home.
    expect(await discoverModels(store, { baseUrl: elsewhere.baseUrl, modelId })).toMatchObject({ ok: true })
    expect(elsewhere.authorizations).toEqual([undefined])
  })

  it('asks before a typed key travels over plain http to another computer, without sending anything', async () => {
    const { store } = await settingsWithModel('http://127.0.0.1:9/v1', 'sk-1')
    const refused = await discoverModels(store, { baseUrl: 'http://192.0.2.10:8000/v1', apiKey: 'sk-typed' })
    expect(refused).toMatchObject({ ok: false, message: { key: 'server:key-over-http' } })
    expect(english(refused)).toMatchObject({ ok: false, message: expect.stringMatching(/unencrypted/) })
  })

  it('says why when the server refuses, answers something else, or is not there', async () => {
    const { store } = await settingsWithModel('http://127.0.0.1:9/v1', 'sk-1')
    const locked = await modelServer('{"error":{"message":"Incorrect API key provided"}}', 401)
    const refused = await discoverModels(store, { baseUrl: locked.baseUrl, apiKey: 'sk-wrong' })
    // The server's own words are kept, verbatim, as the detail.
    expect(refused).toMatchObject({ ok: false, message: { detail: 'Incorrect API key provided' } })
    expect(english(refused)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/refused the request \(HTTP 401\)/),
      hint: 'Check the API key configured for this server.',
    })
    const html = await modelServer('<html>Welcome to nginx</html>')
    expect(english(await discoverModels(store, { baseUrl: html.baseUrl }))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/unexpected answer/),
    })
    const gone = await modelServer(OPENAI_MODELS)
    await servers.pop()!.close()
    expect(english(await discoverModels(store, { baseUrl: gone.baseUrl }, { timeoutMs: 2_000 }))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/No model server answered/),
    })
  })
})
