import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { PublicSettings } from '../../../src-main/shared/ipc-contract'
import type { InstalledModel } from '../../../src-main/core/models/installed-models'
import { modelFileSettingsHooks } from '../../../src-main/core/settings/model-file-settings'
import { SettingsStore, plainTextCodec } from '../../../src-main/core/settings/settings-store'
import { makeTempDir } from '../../support/temp-dir'

const model = (fileName: string, name?: string): InstalledModel => ({
  id: `gguf:${fileName}`,
  fileName,
  path: `/models/${fileName}`,
  sizeBytes: 1000,
  ...(name ? { name } : {}),
})

describe('model files as settings columns', () => {
  let dir: string
  let settings: SettingsStore
  let announced: PublicSettings[]

  beforeEach(async () => {
    dir = await makeTempDir('model-settings')
    settings = await SettingsStore.open(join(dir, 'settings.json'), plainTextCodec)
    announced = []
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const hooks = () => modelFileSettingsHooks(settings, (view) => void announced.push(view))

  it('adds an installed file as a gguf model, next to the selected ones', async () => {
    await hooks().onInstalled!(model('My-Model.gguf', 'My Model'), { select: false })
    const entry = settings.publicView().models.find((m) => m.provider === 'gguf')
    expect(entry).toMatchObject({ label: 'My Model', provider: 'gguf', file: 'My-Model.gguf' })
    expect(settings.publicView().selectedModelIds).toEqual(['llama3-2', 'qwen2-5', entry!.id])
    expect(announced.at(-1)).toEqual(settings.publicView())
  })

  it('uses the catalog label for a download, and on the first-run offer selects only it', async () => {
    await hooks().onInstalled!(model('Qwen2.5-0.5B-Instruct-Q4_K_M.gguf', 'Qwen2.5 0.5B Instruct GGUF'), {
      select: true,
      label: 'Qwen2.5 0.5B Instruct',
    })
    const entry = settings.publicView().models.find((m) => m.provider === 'gguf')!
    expect(entry.label).toBe('Qwen2.5 0.5B Instruct')
    expect(settings.publicView().selectedModelIds).toEqual([entry.id])
    expect(announced.at(-1)?.selectedModelIds).toEqual([entry.id])
  })

  it('names a file without a header name after the file, and adds a file only once', async () => {
    await hooks().onInstalled!(model('weights.gguf'), { select: false })
    await hooks().onInstalled!(model('weights.gguf'), { select: false })
    const entries = settings.publicView().models.filter((m) => m.provider === 'gguf')
    expect(entries.map((m) => m.label)).toEqual(['weights'])
  })

  it("removes a deleted file's column and its selection", async () => {
    await hooks().onInstalled!(model('gone.gguf'), { select: true })
    await hooks().onRemoved!(model('gone.gguf'))
    expect(settings.publicView().models.some((m) => m.provider === 'gguf')).toBe(false)
    expect(settings.publicView().selectedModelIds).toEqual([])
    expect(announced).toHaveLength(2)
  })
})
