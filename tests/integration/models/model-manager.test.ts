import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ModelDownloadState, ModelFilesView } from '../../../src-main/shared/ipc-contract'
import type { InstalledModel } from '../../../src-main/core/models/installed-models'
import { MODEL_CATALOG, RECOMMENDED_MODEL_ID, type CatalogModel } from '../../../src-main/core/models/model-catalog'
import { readGgufSummary } from '../../../src-main/lib/gguf-summary'
import { ModelDownloader } from '../../../src-main/core/models/model-downloader'
import { ModelFileError, ModelManager, ggufFileName, hasGgufMagic } from '../../../src-main/core/models/model-manager'
import { fakeGgufBytes } from '../../fixtures/fake-gguf-header'
import { startFileServer, type FileServer } from '../../fixtures/file-server'
import { makeTempDir } from '../../support/temp-dir'

describe('ModelManager', () => {
  let dir: string
  let modelsDir: string
  let installedHooks: Array<{ model: InstalledModel; select: boolean }>
  let removedHooks: InstalledModel[]
  let states: ModelDownloadState[]
  let views: ModelFilesView[]

  const manager = (extra: Partial<ConstructorParameters<typeof ModelManager>[0]> = {}) =>
    new ModelManager({
      directory: modelsDir,
      onInstalled: (model, options) => void installedHooks.push({ model, select: options.select }),
      onRemoved: (model) => void removedHooks.push(model),
      onDownloadState: (state) => void states.push(state),
      onChanged: (view) => void views.push(view),
      ...extra,
    })

  beforeEach(async () => {
    dir = await makeTempDir('models')
    modelsDir = join(dir, 'models')
    installedHooks = []
    removedHooks = []
    states = []
    views = []
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('lists nothing installed and the whole catalog when the folder does not exist yet', async () => {
    const view = await manager().view()
    expect(view.directory).toBe(modelsDir)
    expect(view.installed).toEqual([])
    expect(view.recommendedId).toBe(RECOMMENDED_MODEL_ID)
    expect(view.catalog.map((entry) => entry.id)).toEqual(MODEL_CATALOG.map((entry) => entry.id))
    expect(view.catalog.every((entry) => !entry.installed && entry.checksumVerified)).toBe(true)
  })

  it('adds a GGUF file from disk: checked, copied in, listed with size and quantization', async () => {
    const source = join(dir, 'my-model.bin')
    await writeFile(source, fakeGgufBytes({ name: 'My Model', fileType: 15, padding: 4096 }))
    const added = await manager().addFromDisk(source)
    expect(added).toMatchObject({
      fileName: 'my-model.bin.gguf',
      quantization: 'Q4_K_M',
      name: 'My Model',
      contextLength: 2048,
    })
    expect(installedHooks).toEqual([{ model: added, select: false }])
    expect((await readFile(join(modelsDir, 'my-model.bin.gguf'))).equals(await readFile(source))).toBe(true)
    expect(await readdir(modelsDir)).toEqual(['my-model.bin.gguf'])
    expect(views.at(-1)?.installed).toEqual([
      {
        fileName: 'my-model.bin.gguf',
        sizeBytes: added.sizeBytes,
        quantization: 'Q4_K_M',
        name: 'My Model',
        contextLength: 2048,
      },
    ])
  })

  it('refuses a file that is not GGUF, one whose header is damaged, and a second copy of the same name', async () => {
    const text = join(dir, 'notes.gguf')
    await writeFile(text, 'hello, not a model')
    await expect(manager().addFromDisk(text)).rejects.toThrow(/not a GGUF model file/)
    await expect(manager().addFromDisk(join(dir, 'missing.gguf'))).rejects.toThrow(/no file/)

    const damaged = join(dir, 'damaged.gguf')
    await writeFile(damaged, Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0, 255, 255, 255, 255, 255])]))
    expect(await hasGgufMagic(damaged)).toBe(true)
    await expect(manager().addFromDisk(damaged)).rejects.toThrow(
      /not a usable GGUF model file: the file ends in the middle of its header/,
    )
    expect(await readdir(modelsDir).catch(() => [])).toEqual([])

    const good = join(dir, 'good.gguf')
    await writeFile(good, fakeGgufBytes())
    await manager().addFromDisk(good)
    await expect(manager().addFromDisk(good)).rejects.toThrow(/already installed/)
  })

  it('deletes an installed file and tells the hook; refuses names that are not installed', async () => {
    const source = join(dir, 'gone.gguf')
    await writeFile(source, fakeGgufBytes({ fileType: 1 }))
    const models = manager()
    await models.addFromDisk(source)
    expect((await models.view()).installed[0]?.quantization).toBe('F16')
    await models.delete('gone.gguf')
    expect(removedHooks.map((m) => m.fileName)).toEqual(['gone.gguf'])
    expect((await models.view()).installed).toEqual([])
    await expect(models.delete('gone.gguf')).rejects.toThrow(/not installed/)
    await expect(models.delete('../settings.json')).rejects.toThrow(ModelFileError)
  })

  it('checks the whole header strictly: every truncation of it is refused', async () => {
    const full = fakeGgufBytes({ name: 'Whole' })
    const path = join(dir, 'cut.gguf')
    await writeFile(path, full)
    expect(await readGgufSummary(path)).toMatchObject({ version: 3, architecture: 'llama' })
    // The header ends with its last entry (llama.context_length: key, u32 type, u32 value); alignment padding follows.
    const headerEnd = full.indexOf('llama.context_length') + 'llama.context_length'.length + 8
    for (let length = 0; length < headerEnd; length += 7) {
      await writeFile(path, full.subarray(0, length))
      await expect(readGgufSummary(path)).rejects.toThrow()
    }
    await writeFile(path, Buffer.concat([full.subarray(0, 4), Buffer.from([9, 0, 0, 0]), full.subarray(8)]))
    await expect(readGgufSummary(path)).rejects.toThrow(/version 9/)
  })

  it('names files for the folder safely', () => {
    expect(ggufFileName('model.GGUF')).toBe('model.GGUF')
    expect(ggufFileName('.hidden')).toBe('hidden.gguf')
    expect(ggufFileName('weights.bin')).toBe('weights.bin.gguf')
  })

  describe('downloads from the catalog', () => {
    let server: FileServer
    let entry: CatalogModel

    beforeEach(async () => {
      server = await startFileServer(fakeGgufBytes({ name: 'Downloaded', padding: 2 * 1024 * 1024 }))
      entry = {
        ...MODEL_CATALOG[0]!,
        id: 'test-model',
        fileName: 'Test-Model-Q4_K_M.gguf',
        url: server.url,
        sizeBytes: server.body.length,
        sha256: server.sha256,
      }
    })

    afterEach(async () => {
      await server.close()
    })

    const withCatalog = (catalog: CatalogModel[] = [entry]) =>
      manager({
        catalog,
        recommendedId: 'test-model',
        downloader: new ModelDownloader({ retryDelayMs: 0, freeSpaceMarginBytes: 0 }),
      })

    it('downloads with progress, installs the file and asks to select it', async () => {
      const models = withCatalog()
      await models.download('test-model', { select: true })
      await models.settled('test-model')
      const statuses = states.map((s) => s.status)
      expect(statuses[0]).toBe('downloading')
      expect(statuses).toContain('verifying')
      expect(statuses.at(-1)).toBe('complete')
      expect(installedHooks).toHaveLength(1)
      expect(installedHooks[0]).toMatchObject({
        select: true,
        model: { fileName: 'Test-Model-Q4_K_M.gguf', name: 'Downloaded' },
      })
      const view = await models.view()
      expect(view.installed).toEqual([
        expect.objectContaining({ fileName: 'Test-Model-Q4_K_M.gguf', catalogId: 'test-model' }),
      ])
      expect(view.catalog[0]).toMatchObject({ id: 'test-model', installed: true })
      expect(view.catalog[0]!.download).toBeUndefined()
      await expect(models.download('test-model', { select: false })).rejects.toThrow(/already installed/)
    })

    it('cancels to a paused state, remembers the part across a restart, and resumes', async () => {
      server.behaviour.trickle = { chunkBytes: 128 * 1024, delayMs: 25 }
      const first = withCatalog()
      await first.download('test-model', { select: false })
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (states.some((s) => s.receivedBytes > 256 * 1024)) resolve(clearInterval(timer))
        }, 10)
      })
      await first.cancel('test-model')
      const paused = states.at(-1)!
      expect(paused).toMatchObject({ status: 'paused', resumable: true })
      expect(paused.receivedBytes).toBeGreaterThan(0)

      server.behaviour.trickle = undefined
      const second = withCatalog()
      await second.restorePartials()
      expect((await second.view()).catalog[0]!.download).toMatchObject({
        status: 'paused',
        receivedBytes: paused.receivedBytes,
      })
      await second.download('test-model', { select: false })
      await second.settled('test-model')
      expect(server.requests.at(-1)!.headers.range).toBe(`bytes=${paused.receivedBytes}-`)
      expect(states.at(-1)?.status).toBe('complete')
      expect((await readFile(join(modelsDir, 'Test-Model-Q4_K_M.gguf'))).equals(server.body)).toBe(true)
    })

    it('fails clearly on a checksum mismatch and installs nothing', async () => {
      const models = withCatalog([{ ...entry, sha256: '00'.repeat(32) }])
      await models.download('test-model', { select: true })
      await models.settled('test-model')
      expect(states.at(-1)).toMatchObject({ status: 'failed', resumable: false, error: { code: 'checksum' } })
      expect(installedHooks).toEqual([])
      expect(await readdir(modelsDir)).toEqual([])
    })

    it('discards a kept part', async () => {
      server.behaviour.dropAfter = { bytes: 512 * 1024, count: 5 }
      const models = manager({
        catalog: [entry],
        downloader: new ModelDownloader({ maxResumes: 0, freeSpaceMarginBytes: 0 }),
      })
      await models.download('test-model', { select: false })
      await models.settled('test-model')
      expect(states.at(-1)).toMatchObject({ status: 'failed', resumable: true, error: { code: 'network' } })
      await models.discard('test-model')
      expect(await readdir(modelsDir)).toEqual([])
      expect((await models.view()).catalog[0]!.download).toBeUndefined()
    })

    it('starts one download however often it is asked at once', async () => {
      const models = withCatalog()
      await Promise.all([
        models.download('test-model', { select: false }),
        models.download('test-model', { select: false }),
      ])
      await models.settled('test-model')
      expect(server.requests).toHaveLength(1)
      expect(installedHooks).toHaveLength(1)
    })

    it('refuses an id that is not in the catalog', async () => {
      await expect(withCatalog().download('not-there', { select: false })).rejects.toThrow(/No model "not-there"/)
    })
  })
})
