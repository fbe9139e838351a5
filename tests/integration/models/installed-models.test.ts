/** The models folder listing: each GGUF file described from its header, damaged and partial files left out. */
import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  installedModelId,
  listInstalledModels,
  modelsDirectory,
  readInstalledModel,
} from '../../../src-main/core/models/installed-models'
import { TINY_MODEL, tinyGgufPath } from '../../fixtures/tiny-gguf'
import { makeTempDir } from '../../support/temp-dir'

describe('installed models', () => {
  it('lives in <userData>/models', () => {
    expect(modelsDirectory('/home/u/.config/StreamDesk')).toBe(join('/home/u/.config/StreamDesk', 'models'))
  })

  it('lists every readable .gguf file with size, quantization, name and context length, sorted by name', async () => {
    const dir = await makeTempDir('models')
    const fixture = await tinyGgufPath()
    await copyFile(fixture, join(dir, 'b-tiny.gguf'))
    await copyFile(fixture, join(dir, 'A tiny (copy).GGUF'))
    await writeFile(join(dir, 'junk.gguf'), 'GGUF this is not a model')
    await writeFile(join(dir, 'truncated.gguf'), (await readFile(fixture)).subarray(0, 1500))
    await copyFile(fixture, join(dir, 'downloading.gguf.part'))
    await writeFile(join(dir, 'notes.txt'), 'hello')
    const models = await listInstalledModels(dir)
    const size = (await readFile(fixture)).length
    expect(models).toEqual([
      {
        id: installedModelId('A tiny (copy).GGUF'),
        fileName: 'A tiny (copy).GGUF',
        path: join(dir, 'A tiny (copy).GGUF'),
        sizeBytes: size,
        quantization: 'F32',
        name: TINY_MODEL.name,
        contextLength: TINY_MODEL.contextLength,
      },
      expect.objectContaining({ id: 'gguf:b-tiny', fileName: 'b-tiny.gguf', sizeBytes: size, quantization: 'F32' }),
    ])
  })

  it('is empty for a folder that does not exist yet', async () => {
    expect(await listInstalledModels(join(tmpdir(), 'streamdesk-no-such-folder', 'models'))).toEqual([])
  })

  it('refuses a damaged file when asked about it directly', async () => {
    const dir = await makeTempDir('models')
    await writeFile(join(dir, 'junk.gguf'), 'GGUF this is not a model')
    await expect(readInstalledModel(join(dir, 'junk.gguf'))).rejects.toThrow(/not supported/)
  })

  it('makes ids that are valid model ids, stable, and distinct for names that differ only in odd characters', () => {
    expect(installedModelId('qwen2.5-0.5b-instruct-q4_k_m.gguf')).toBe('gguf:qwen2.5-0.5b-instruct-q4_k_m')
    const a = installedModelId('my model.gguf')
    const b = installedModelId('my_model.gguf')
    const c = installedModelId('my/model.gguf')
    expect(a).toMatch(/^[A-Za-z0-9_.:-]{1,128}$/)
    expect(new Set([a, b, c]).size).toBe(3)
    expect(installedModelId('my model.gguf')).toBe(a)
    expect(installedModelId(`${'x'.repeat(300)}.gguf`).length).toBeLessThanOrEqual(128)
  })
})
