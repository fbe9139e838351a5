/**
 * Replays recorded AWS HTTP responses (tests/fixtures/aws-recorded) from a loopback server, so a real AWS SDK client
 * pointed at it with `endpoint` runs its whole stack: serialization, signing, retries and its own response and error
 * parsing. Each request the SDK sends is kept (operation, headers, parsed JSON body) for the test to check.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { IncomingMessage } from 'node:http'
import { startLoopbackServer } from './loopback-server'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'aws-recorded')

/** One recorded HTTP response: the body exactly as the source shows it. */
export interface RecordedResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export interface ReplayedRequest {
  method: string
  path: string
  /** `X-Amz-Target` (JSON protocols), e.g. `AWSCognitoIdentityProviderService.InitiateAuth`. */
  target: string | undefined
  headers: IncomingMessage['headers']
  body: unknown
}

export interface AwsReplay {
  /** `http://127.0.0.1:<port>`: the clients' `endpoint`. */
  endpoint: string
  requests: ReplayedRequest[]
  /** Queues responses, served one per request in order; a request with none queued fails the test's call. */
  answer(...responses: RecordedResponse[]): void
  /** Forgets the requests seen and any responses still queued (between tests). */
  reset(): void
  close(): Promise<void>
}

/** Reads tests/fixtures/aws-recorded/<service>/<name>.json. */
export function recorded(service: string, name: string): RecordedResponse {
  return JSON.parse(readFileSync(join(FIXTURES, service, `${name}.json`), 'utf8')) as RecordedResponse
}

/** A recorded response with its body's JSON changed (the README lists every such substitution). */
export function withBody(
  response: RecordedResponse,
  change: (body: Record<string, unknown>) => void,
): RecordedResponse {
  const body = JSON.parse(response.body) as Record<string, unknown>
  change(body)
  return { ...response, body: JSON.stringify(body) }
}

/** Fake but well-formed credentials, so the SDK signs without looking for real ones. */
export const REPLAY_CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}

export async function startAwsReplay(): Promise<AwsReplay> {
  const queue: RecordedResponse[] = []
  const requests: ReplayedRequest[] = []
  const server = await startLoopbackServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    let body: unknown = text
    try {
      body = text === '' ? undefined : JSON.parse(text)
    } catch {
      // not JSON (a binary payload): kept as text
    }
    const target = req.headers['x-amz-target']
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      target: typeof target === 'string' ? target : undefined,
      headers: req.headers,
      body,
    })
    const next = queue.shift()
    if (!next) {
      res.writeHead(599, { 'content-type': 'text/plain' }).end('no recorded response queued for this request')
      return
    }
    // The server sets the length of the body it sends (a source's own Content-Length may be of another body) and
    // the date: a recorded Date years old makes the SDK take it for clock skew, correct its clock and retry.
    const headers = Object.fromEntries(
      Object.entries(next.headers).filter(([name]) => !['content-length', 'date'].includes(name.toLowerCase())),
    )
    res.writeHead(next.status, headers).end(next.body)
  })
  return {
    endpoint: server.origin,
    requests,
    answer: (...responses) => queue.push(...responses),
    reset: () => {
      queue.length = 0
      requests.length = 0
    },
    close: () => server.close(),
  }
}
