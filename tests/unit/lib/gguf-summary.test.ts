import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GgufFileType } from 'node-llama-cpp'
import { describe, expect, it } from 'vitest'
import { fileTypeName, readGgufSummary } from '../../../src-main/lib/gguf-summary'
import { encodeGguf, type GgufValue } from '../../fixtures/gguf-writer'
import { TINY_MODEL, tinyGgufPath } from '../../fixtures/tiny-gguf'
import { makeTempDir } from '../../support/temp-dir'

async function written(bytes: Buffer | string): Promise<string> {
  const path = join(await makeTempDir('summary'), 'm.gguf')
  await writeFile(path, bytes)
  return path
}

const tensor = { name: 't', dims: [4], type: 0 as const, data: new Float32Array(4) }

describe('readGgufSummary', () => {
  it('reads the fixture model', async () => {
    expect(await readGgufSummary(await tinyGgufPath())).toEqual({
      version: 3,
      architecture: 'llama',
      name: TINY_MODEL.name,
      fileType: 0,
      contextLength: TINY_MODEL.contextLength,
    })
  })

  it('skips large vocabularies and finds the keys written after them', async () => {
    const tokens = Array.from({ length: 200_000 }, (_, i) => `Ġtoken-${i}`)
    const metadata: Array<[string, GgufValue]> = [
      ['general.architecture', { type: 'string', value: 'qwen2' }],
      ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
      ['tokenizer.ggml.scores', { type: 'f32[]', value: tokens.map(() => 0) }],
      ['tokenizer.ggml.merges', { type: 'string[]', value: tokens }],
      ['general.name', { type: 'string', value: 'Qwen2.5 0.5B Instruct' }],
      ['general.file_type', { type: 'u32', value: 15 }],
      ['qwen2.context_length', { type: 'i32', value: 32768 }],
    ]
    const summary = await readGgufSummary(await written(encodeGguf(metadata, [tensor])))
    expect(summary).toEqual({
      version: 3,
      architecture: 'qwen2',
      name: 'Qwen2.5 0.5B Instruct',
      fileType: 15,
      contextLength: 32768,
    })
    expect(fileTypeName(summary.fileType)).toBe('Q4_K_M')
  })

  it('says what is wrong with a file that is not a usable GGUF header', async () => {
    const fixture = await readFile(await tinyGgufPath())
    await expect(readGgufSummary(await written('GGUF this is not a model'))).rejects.toThrow(
      /version \d+ is not supported/,
    )
    await expect(readGgufSummary(await written('PK\u0003\u0004 a zip file, not a model'))).rejects.toThrow(
      /does not start with "GGUF"/,
    )
    await expect(readGgufSummary(await written(fixture.subarray(0, 3000)))).rejects.toThrow(/truncated/)
    await expect(readGgufSummary(await written(fixture.subarray(0, 10)))).rejects.toThrow(/truncated/)
    const noArchitecture = encodeGguf([['general.name', { type: 'string', value: 'x' }]], [tensor])
    await expect(readGgufSummary(await written(noArchitecture))).rejects.toThrow(/no architecture/)
  })

  it('names file types as node-llama-cpp does', () => {
    for (const [name, value] of Object.entries(GgufFileType)) {
      if (typeof value === 'number') expect(fileTypeName(value), name).toBe(name.replace(/^(MOSTLY|ALL)_/, ''))
    }
    expect(fileTypeName(9999)).toBeUndefined()
  })
})
