/**
 * The chat Lambda's peak memory with a prompt's largest attachments (20 MB in all: five images of 3.7 MB, Bedrock's
 * per-image limit being 3.75 MB) asked of one to four models, against the same prompt without attachments. Each
 * scenario runs in a fresh Node process (its peak RSS is what Lambda's memory limit holds against), with the real
 * AWS SDK clients sending real HTTP to a loopback stand-in for S3, Bedrock, IoT Core and Secrets Manager: the
 * SDKs' own serialization (base64 inside JSON, the request body) is what costs the memory. The stand-in refuses each
 * model call after reading its body (the answer's streaming is not what this measures).
 */
import { fork } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createServer as createHttp2Server } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime'
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane'
import { S3Client } from '@aws-sdk/client-s3'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { createCloudModelResolver, type ModelCatalog } from '../../src-main/backend/cloud-models'
import { createChatLambdaHandler } from '../../src-main/backend/lambda/chat-lambda'
import { uploadKey } from '../../src-main/protocol/upload-keys'
import type { WireAttachment } from '../../src-main/backend/attachment-parts'
import { startLoopbackServer } from '../support/loopback-server'
import { REPLAY_CREDENTIALS } from '../support/aws-replay'
import { CHAT_LAMBDA_MEMORY_MB } from '../../cdktf/chat/chat-lambda-memory'
import { verdict } from './stats'

export const LAMBDA_MEMORY_BENCH_TITLE =
  'Chat Lambda peak memory: one prompt with 20 MB of images (5 × 3.7 MB) vs the same prompt without, fresh process each, MB'

const IDENTITY = 'eu-west-1:0f0e0d0c-0b0a-4090-8070-605040302010'
const BUCKET = 'sd-uploads-bench'
const IMAGE_BYTES = 3_700_000
const IMAGES = 5

export interface LambdaMemoryScenario {
  name: string
  bedrockModels: number
  openAiModels: number
  images: boolean
}

export const LAMBDA_MEMORY_SCENARIOS: LambdaMemoryScenario[] = [
  { name: '4 models, no attachments (baseline)', bedrockModels: 2, openAiModels: 2, images: false },
  { name: '1 Bedrock model, 20 MB', bedrockModels: 1, openAiModels: 0, images: true },
  { name: '4 Bedrock models, 20 MB', bedrockModels: 4, openAiModels: 0, images: true },
  { name: '2 Bedrock + 2 OpenAI-compatible, 20 MB', bedrockModels: 2, openAiModels: 2, images: true },
  {
    name: '4 Bedrock + 4 OpenAI-compatible (the most a prompt asks), 20 MB',
    bedrockModels: 4,
    openAiModels: 4,
    images: true,
  },
]

export interface LambdaMemoryResult {
  scenario: string
  peakRssMb: number
  peakHeapMb: number
  peakExternalMb: number
  modelCalls: number
  requestBodyMb: number
}

/**
 * Runs each scenario in its own process, one after another. The stand-in services run here, in the parent, so the
 * child's memory is the Lambda's alone.
 */
export async function measureLambdaMemory(): Promise<LambdaMemoryResult[]> {
  const results: LambdaMemoryResult[] = []
  for (const scenario of LAMBDA_MEMORY_SCENARIOS) results.push(await measureScenario(scenario))
  return results
}

export function lambdaMemoryRows(results: LambdaMemoryResult[]) {
  const baseline = results[0]!
  return results.map((result) => ({
    scenario: result.scenario,
    'model calls': result.modelCalls,
    'request bodies, MB': result.requestBodyMb,
    'peak RSS': result.peakRssMb,
    'over baseline': result === baseline ? '—' : result.peakRssMb - baseline.peakRssMb,
    'peak heap + external': result.peakHeapMb + result.peakExternalMb,
    [`within ${CHAT_LAMBDA_MEMORY_MB} MB (the stack's)`]: verdict(result.peakRssMb < CHAT_LAMBDA_MEMORY_MB),
  }))
}

interface ChildInput {
  scenario: LambdaMemoryScenario
  origin: string
  bedrockOrigin: string
  attachments: WireAttachment[]
}
type ChildPeaks = Pick<LambdaMemoryResult, 'peakRssMb' | 'peakHeapMb' | 'peakExternalMb'>

async function measureScenario(scenario: LambdaMemoryScenario): Promise<LambdaMemoryResult> {
  const objects = new Map<string, Buffer>()
  const attachments: WireAttachment[] = []
  if (scenario.images) {
    for (let i = 0; i < IMAGES; i++) {
      const bytes = randomBytes(IMAGE_BYTES)
      const id = createHash('sha256').update(bytes).digest('hex')
      objects.set(`/${BUCKET}/${uploadKey(IDENTITY, id)}`, bytes)
      attachments.push({
        id,
        name: `photo-${i}.jpg`,
        kind: 'image',
        mediaType: 'image/jpeg',
        objectKey: uploadKey(IDENTITY, id),
        sizeBytes: IMAGE_BYTES,
      })
    }
  }
  let modelCalls = 0
  let requestBytes = 0
  const server = await startLoopbackServer(async (req, res) => {
    const body = await readBody(req)
    const path = decodeURIComponent(req.url?.split('?')[0] ?? '')
    if (req.method === 'GET' && objects.has(path)) {
      const bytes = objects.get(path)!
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': bytes.length }).end(bytes)
    } else if (path.endsWith('/chat/completions')) {
      modelCalls++
      requestBytes += body.length
      // A refusal each SDK parses as such: the request was built and sent, which is what costs memory.
      res
        .writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationException' })
        .end(JSON.stringify({ message: 'bench: refused after reading', error: { message: 'bench' } }))
    } else if (req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue') {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ SecretString: 'sk-x' }))
    } else if (path.startsWith('/retainedMessage/')) {
      res
        .writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' })
        .end(JSON.stringify({ message: 'No retained message' }))
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    }
  })
  // Bedrock's runtime client speaks HTTP/2 (its NodeHttp2Handler): a cleartext HTTP/2 stand-in for it.
  const bedrock = createHttp2Server((req, res) => {
    void readBody(req).then((body) => {
      modelCalls++
      requestBytes += body.length
      res
        .writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'ValidationException' })
        .end(JSON.stringify({ message: 'bench: refused after reading' }))
    })
  })
  await new Promise<void>((resolve) => bedrock.listen(0, '127.0.0.1', resolve))
  const bedrockOrigin = `http://127.0.0.1:${(bedrock.address() as AddressInfo).port}`
  try {
    const peaks = await inChildProcess({ scenario, origin: server.origin, bedrockOrigin, attachments })
    const mb = (bytes: number) => Math.round(bytes / 1e6)
    return { scenario: scenario.name, ...peaks, modelCalls, requestBodyMb: mb(requestBytes) }
  } finally {
    await server.close()
    await new Promise((resolve) => bedrock.close(resolve))
  }
}

function inChildProcess(input: ChildInput): Promise<ChildPeaks> {
  return new Promise((resolve, reject) => {
    // Same loader flags (tsx) as this process, so the child runs this very file.
    const child = fork(import.meta.filename, ['--lambda-memory-child'], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    })
    child.send(input)
    child.once('message', (message) => resolve(message as ChildPeaks))
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`lambda memory scenario "${input.scenario.name}" exited with ${code}`))
    })
  })
}

/** The child: the chat Lambda's handler with real SDK clients pointed at the parent's stand-in. */
async function runInChild({ scenario, origin, bedrockOrigin, attachments }: ChildInput): Promise<ChildPeaks> {
  const aws = { region: 'eu-west-1', endpoint: origin, credentials: REPLAY_CREDENTIALS }
  const catalog: ModelCatalog = [
    ...Array.from({ length: scenario.bedrockModels }, (_, i) => ({
      id: `claude-${i}`,
      label: `Claude ${i}`,
      provider: 'bedrock' as const,
      modelId: 'eu.anthropic.claude-sonnet-4-20250514-v1:0',
    })),
    ...Array.from({ length: scenario.openAiModels }, (_, i) => ({
      id: `gpt-${i}`,
      label: `GPT ${i}`,
      provider: 'openai-compatible' as const,
      baseUrl: `${origin}/v1`,
      model: 'gpt-4o',
      apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:openai-AbCdEf',
    })),
  ]
  const handler = createChatLambdaHandler({
    iotData: new IoTDataPlaneClient(aws),
    models: createCloudModelResolver({
      catalog,
      bedrock: new BedrockRuntimeClient({ ...aws, endpoint: bedrockOrigin }),
      secrets: new SecretsManagerClient(aws),
    }),
    topicPrefix: 'streamdesk',
    uploads: { s3: new S3Client({ ...aws, forcePathStyle: true }), bucket: BUCKET },
    stopPollIntervalMs: 50,
    log: () => {},
    chat: { publishing: { retryBaseMs: 1 } },
  })

  const peak = { rss: 0, heap: 0, external: 0 }
  const sample = () => {
    const usage = process.memoryUsage()
    peak.rss = Math.max(peak.rss, usage.rss)
    peak.heap = Math.max(peak.heap, usage.heapUsed)
    peak.external = Math.max(peak.external, usage.external + usage.arrayBuffers)
  }
  const sampler = setInterval(sample, 2)
  const result = await handler(
    {
      streamId: 'stream-bench',
      protocols: [1, 2, 3],
      models: catalog.map((entry) => ({
        modelId: entry.id,
        messages: [{ role: 'user', content: 'Compare these photos.', ...(attachments.length ? { attachments } : {}) }],
      })),
    },
    {
      awsRequestId: 'bench',
      identity: { cognitoIdentityId: IDENTITY, cognitoIdentityPoolId: 'eu-west-1:pool' },
      getRemainingTimeInMillis: () => 900_000,
    },
  )
  clearInterval(sampler)
  sample()
  if (!result.ok || !('models' in result))
    throw new Error(`the handler refused the bench prompt: ${JSON.stringify(result)}`)
  const mb = (bytes: number) => Math.round(bytes / 1e6)
  // The OS's own high-water mark catches a peak between two samples.
  const maxRss = Math.max(peak.rss, process.resourceUsage().maxRSS * 1024)
  return { peakRssMb: mb(maxRss), peakHeapMb: mb(peak.heap), peakExternalMb: mb(peak.external) }
}

async function readBody(req: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

if (process.argv.includes('--lambda-memory-child')) {
  process.once('message', (input) => {
    void runInChild(input as ChildInput).then(
      (peaks) => process.send!(peaks, () => process.exit(0)),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      },
    )
  })
}
