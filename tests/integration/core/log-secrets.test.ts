/**
 * The diagnostics log never holds conversation text or credentials. The real OpenAI-compatible provider runs in the
 * real core (embedded broker) against a local HTTP server that answers each model with another bad response, each
 * quoting what a real server may quote: the prompt, answer text, the key. One model's base URL carries
 * `user:password@` (a settings file from before such URLs were refused), which the HTTP client's own error quotes.
 * Then the log file and the diagnostics are scanned for every planted secret.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Diagnostics, SendPromptResult } from '../../../src-main/shared/ipc-contract'
import { startLoopbackServer, type LoopbackServer } from '../../support/loopback-server'
import { startTestCore } from '../../support/test-core'

const PROMPT = 'planted-prompt-7c1e: my bank PIN is 0000'
const ANSWER = 'planted-answer-93ad: here is your secret plan'
const KEY = 'sk-planted-key-55f0'
const URL_PASSWORD = 'planted-url-pa55-c3b2'
const PLANTED = [PROMPT, 'planted-prompt-7c1e', ANSWER, 'planted-answer-93ad', KEY, URL_PASSWORD]

/** Each model (by its name in the request) gets one bad response; what a real server could put in it. */
const BAD_RESPONSES: Record<string, (res: ServerResponse, asked: { prompt: string; key: string }) => void> = {
  // OpenAI-style 400 quoting the request.
  'http-400': (res, { prompt }) =>
    res
      .writeHead(400, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { message: `Invalid request: '${prompt}' is too long`, type: 'invalid_request' } })),
  // A 401 quoting the key it refused.
  'http-401': (res, { key }) =>
    res
      .writeHead(401, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}`, code: 'invalid_api_key' } })),
  'http-500-text': (res, { prompt }) =>
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`crashed on ${prompt}`),
  // An answer sent whole (stream ignored).
  'non-stream': (res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }],
      }),
    ),
  // An event that is not JSON, carrying answer text.
  'bad-sse': (res) =>
    res
      .writeHead(200, { 'content-type': 'text/event-stream' })
      .end(`data: ${JSON.stringify({ choices: [{ delta: { content: 'ok ' } }] })}\n\ndata: ${ANSWER} (not json)\n\n`),
  // An error object mid-stream, quoting the prompt.
  'sse-error': (res, { prompt }) =>
    res
      .writeHead(200, { 'content-type': 'text/event-stream' })
      .end(
        `data: ${JSON.stringify({ error: { message: `moderation flagged: ${prompt}`, type: 'server_error' } })}\n\n`,
      ),
}
const CREDENTIAL_URL_MODEL = 'url-credentials'
const MODEL_IDS = [...Object.keys(BAD_RESPONSES), CREDENTIAL_URL_MODEL]

let server: LoopbackServer
let t: Awaited<ReturnType<typeof startTestCore>>
const served: string[] = []

async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = ''
  for await (const part of req) body += String(part)
  const request = JSON.parse(body) as { model: string; messages: Array<{ content: string }> }
  served.push(request.model)
  const key = (req.headers.authorization ?? '').replace(/^Bearer /, '')
  BAD_RESPONSES[request.model]!(res, { prompt: request.messages.at(-1)!.content, key })
}

beforeAll(async () => {
  server = await startLoopbackServer(respond)
  const baseUrl = `${server.origin}/v1`
  const host = new URL(server.origin).host
  t = await startTestCore({
    broker: 'embedded',
    modelIds: MODEL_IDS,
    baseUrl,
    // Every model has the key (the test core's codec stores it as it is); one base URL has credentials in it.
    prepareUserData: async (dir) => {
      const models = MODEL_IDS.map((id) => ({
        id,
        label: id,
        provider: 'openai-compatible',
        baseUrl: id === CREDENTIAL_URL_MODEL ? `http://user:${URL_PASSWORD}@${host}/v1` : baseUrl,
        model: id,
        encryptedApiKey: KEY,
      }))
      await writeFile(join(dir, 'settings.json'), JSON.stringify({ version: 1, models, selectedModelIds: MODEL_IDS }))
    },
  })
}, 30_000)

afterAll(async () => {
  await t?.stop()
  await server?.close()
})

describe('the diagnostics log after every error path', () => {
  it('holds error codes and hosts, never the prompt, answer text, key or URL password', async () => {
    const { streamId } = (await t.invoke('chat:send', [{ prompt: PROMPT, modelIds: MODEL_IDS }])) as SendPromptResult
    const columns = await t.finished(streamId, MODEL_IDS)
    // Every bad response was really served and ended its column in an error the user can read.
    expect(served.sort()).toEqual(Object.keys(BAD_RESPONSES).sort())
    for (const id of MODEL_IDS) expect(columns[id]).toMatchObject({ status: 'error' })
    expect(columns['http-401']!.error?.code).toBe('unauthorized')
    // The user's own screen may show the server's words (here: it quotes the prompt) …
    expect(columns['http-400']!.error?.message).toContain('is too long')
    // … but never a URL's password, which only the HTTP client quoted.
    expect(columns[CREDENTIAL_URL_MODEL]!.error?.message).not.toContain(URL_PASSWORD)

    const log = await readFile(join(t.userDataDir, 'logs', 'streamdesk.log'), 'utf8')
    const host = new URL(server.origin).host
    for (const id of MODEL_IDS)
      expect(log).toMatch(new RegExp(`error ${id} \\(${host.replace('.', '\\.')}\\): [a-z-]+`))
    expect(log).toContain('http-401 (' + host + '): unauthorized')
    const diagnostics = (await t.invoke('diagnostics:get', [])) as Diagnostics
    const recorded = `${log}\n${diagnostics.lastErrors.join('\n')}\n${diagnostics.connectionEvents.join('\n')}`
    for (const secret of PLANTED) expect(recorded, `the log holds "${secret}"`).not.toContain(secret)
  })
})
