/** Reorder buffer throughput on shuffled input, against a baseline in the same run: the same chunks in order. */
import { performance } from 'node:perf_hooks'
import { ReorderBuffer, type SequencedChunk } from '../../src-main/core/chat/reorder-buffer'
import { chunkPayload, type ChunkPayload } from '../../src-main/core/chat/chunk-payload'
import { mulberry32 } from '../support/chaos-publisher'

export interface ReorderResult {
  input: string
  chunks: number
  chunksPerSecond: number
  textOk: boolean
}

type Chunk = SequencedChunk<ChunkPayload>

const STREAMS = 100
const CHUNKS_PER_STREAM = 2_000

function makeStreams(): Chunk[][] {
  return Array.from({ length: STREAMS }, () =>
    Array.from({ length: CHUNKS_PER_STREAM }, (_, seq) =>
      seq === CHUNKS_PER_STREAM - 1
        ? { seq, text: 'end', final: { status: 'complete' as const, total: CHUNKS_PER_STREAM } }
        : { seq, text: `w${seq} ` },
    ),
  )
}

/** Each stream fully shuffled, with 10% of the chunks delivered twice, the streams interleaved. */
function shuffled(streams: Chunk[][]): Array<[number, Chunk]> {
  const random = mulberry32(7)
  const all: Array<[number, Chunk]> = []
  streams.forEach((chunks, stream) => {
    for (const chunk of chunks) {
      all.push([stream, chunk])
      if (random() < 0.1) all.push([stream, chunk])
    }
  })
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[all[i], all[j]] = [all[j]!, all[i]!]
  }
  return all
}

function run(input: string, deliveries: Array<[number, Chunk]>, expected: string[]): ReorderResult {
  const buffers = Array.from(
    { length: STREAMS },
    () => new ReorderBuffer(chunkPayload, { maxAhead: CHUNKS_PER_STREAM }),
  )
  const texts: string[][] = Array.from({ length: STREAMS }, () => [])
  const start = performance.now()
  for (const [stream, chunk] of deliveries) {
    const outcome = buffers[stream]!.accept(chunk, 0)
    if (outcome.kind === 'released') texts[stream]!.push(outcome.text)
  }
  const seconds = (performance.now() - start) / 1000
  const textOk = texts.every((parts, i) => parts.join('') === expected[i])
  return { input, chunks: deliveries.length, chunksPerSecond: deliveries.length / seconds, textOk }
}

export function measureReorder(): ReorderResult[] {
  const streams = makeStreams()
  const expected = streams.map((chunks) => chunks.map((c) => c.text).join(''))
  const inOrder = streams.flatMap((chunks, stream) => chunks.map((c) => [stream, c] as [number, Chunk]))
  const mixed = shuffled(streams)
  run('warm-up', mixed, expected)
  return [run('in order (baseline)', inOrder, expected), run('shuffled + 10% duplicates', mixed, expected)]
}
