/**
 * The model files the user manages in settings: the GGUF files in the models folder (listed from their headers),
 * a file added from disk (checked, then copied in), deletion, and downloads from the curated catalog with
 * progress, cancel and resume. When a file arrives or goes, the `onInstalled` / `onRemoved` hooks let the app
 * add or remove the matching model column in settings.
 *
 * One download per catalog entry at a time; a part left by an earlier run shows as 'paused' and resumes.
 */
import { mkdir, open, rm, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type {
  CatalogModelView,
  InstalledModelFile,
  ModelDownloadState,
  ModelFilesView,
} from '../../shared/ipc-contract'
import { copyIntoPlace, freeSpaceShortfall, isDiskFull, nodeStoreFs } from '../../lib/content-store'
import { errorMessage } from '../../lib/error-message'
import { readGgufSummary } from '../../lib/gguf-summary'
import { listInstalledModels, readInstalledModel, type InstalledModel } from './installed-models'
import { MODEL_CATALOG, RECOMMENDED_MODEL_ID, type CatalogModel } from './model-catalog'
import { formatBytes } from '../../shared/format-bytes'
import { DownloadError, ModelDownloader } from './model-downloader'

export const GGUF_MAGIC = 'GGUF'

export interface ModelManagerOptions {
  /** The models folder (`modelsDirectory(userDataDir)`). */
  directory: string
  downloader?: ModelDownloader
  catalog?: readonly CatalogModel[]
  /** The first-run offer; by default the catalog's recommended model, else its first entry. */
  recommendedId?: string
  /**
   * A file was downloaded or added; `select` asks to make it the selected model (the first-run offer), `label` is
   * the catalog's name for a download.
   */
  onInstalled?(model: InstalledModel, options: { select: boolean; label?: string }): Promise<void> | void
  /** A file was deleted. */
  onRemoved?(model: InstalledModel): Promise<void> | void
  onDownloadState?(state: ModelDownloadState): void
  onChanged?(view: ModelFilesView): void
  /** Something went wrong in the background (a hook failed); for the diagnostics log. */
  onError?(message: string): void
}

/** A problem the user caused or can fix, with a message fit to show. */
export class ModelFileError extends Error {
  override name = 'ModelFileError'
}

interface ActiveDownload {
  controller: AbortController
  done: Promise<void>
}

export class ModelManager {
  private readonly downloader: ModelDownloader
  private readonly catalog: readonly CatalogModel[]
  private readonly states = new Map<string, ModelDownloadState>()
  private readonly active = new Map<string, ActiveDownload>()
  private stopped = false

  constructor(private readonly options: ModelManagerOptions) {
    this.downloader = options.downloader ?? new ModelDownloader()
    this.catalog = options.catalog ?? MODEL_CATALOG
  }

  get directory(): string {
    return this.options.directory
  }

  /** Marks parts left by an earlier run as paused downloads, so the UI offers to resume them. */
  async restorePartials(): Promise<void> {
    for (const entry of this.catalog) {
      if (this.states.has(entry.id)) continue
      const bytes = await this.downloader.partialBytes(entry.url, this.destinationOf(entry)).catch(() => 0)
      if (bytes > 0) this.states.set(entry.id, this.state(entry, 'paused', bytes, { resumable: true }))
    }
  }

  async installed(): Promise<InstalledModel[]> {
    return listInstalledModels(this.directory)
  }

  async view(): Promise<ModelFilesView> {
    const installed = await this.installed()
    const names = new Set(installed.map((model) => model.fileName))
    const catalogIdOf = new Map(this.catalog.map((entry) => [entry.fileName, entry.id]))
    return {
      directory: this.directory,
      installed: installed.map((model) => toFileView(model, catalogIdOf.get(model.fileName))),
      catalog: this.catalog.map((entry) => toCatalogView(entry, names.has(entry.fileName), this.states.get(entry.id))),
      recommendedId:
        this.options.recommendedId ??
        (this.catalog.some((e) => e.id === RECOMMENDED_MODEL_ID) ? RECOMMENDED_MODEL_ID : (this.catalog[0]?.id ?? '')),
    }
  }

  /**
   * Copies a GGUF file into the models folder: it must start with the GGUF magic and its whole header must be
   * intact (checked before copying), else nothing is copied. A file of the same name already there is refused.
   */
  async addFromDisk(sourcePath: string): Promise<InstalledModel> {
    const source = await stat(sourcePath).catch(() => undefined)
    if (!source?.isFile()) throw new ModelFileError(`There is no file at ${sourcePath}.`)
    if (!(await hasGgufMagic(sourcePath))) {
      throw new ModelFileError(`${basename(sourcePath)} is not a GGUF model file (it does not start with "GGUF").`)
    }
    try {
      await readGgufSummary(sourcePath)
    } catch (error) {
      throw new ModelFileError(`${basename(sourcePath)} is not a usable GGUF model file: ${errorMessage(error)}.`)
    }
    const fileName = ggufFileName(basename(sourcePath))
    const destination = join(this.directory, fileName)
    if (await stat(destination).catch(() => undefined))
      throw new ModelFileError(`A model file named ${fileName} is already installed.`)
    await mkdir(this.directory, { recursive: true })
    const free = await freeSpaceShortfall(nodeStoreFs, this.directory, source.size)
    if (free !== undefined) {
      throw new ModelFileError(
        `Not enough disk space to copy ${fileName}: it needs ${formatBytes(source.size)}, and ${formatBytes(free)} is free.`,
      )
    }
    // Copied under a name the listing ignores, then renamed: the folder never shows a half-copied model.
    await copyIntoPlace(sourcePath, destination).catch((error: unknown) => {
      if (!isDiskFull(error)) throw error
      throw new ModelFileError(
        `The disk is full: ${fileName} (${formatBytes(source.size)}) does not fit. Free some space and try again.`,
      )
    })
    const model = await readInstalledModel(destination, fileName)
    await this.runHook(() => this.options.onInstalled?.(model, { select: false }))
    await this.changed()
    return model
  }

  async delete(fileName: string): Promise<void> {
    if (basename(fileName) !== fileName || !fileName.toLowerCase().endsWith('.gguf'))
      throw new ModelFileError(`Not a model file name: ${fileName}`)
    const model = (await this.installed()).find((m) => m.fileName === fileName)
    const path = join(this.directory, fileName)
    if (!model && !(await stat(path).catch(() => undefined))) throw new ModelFileError(`${fileName} is not installed.`)
    await rm(path, { force: true }).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EBUSY' || code === 'EPERM' || code === 'EACCES') {
        throw new ModelFileError(
          `${fileName} cannot be deleted right now (${code}): it may be in use by an answer. Stop it and try again.`,
        )
      }
      throw error
    })
    const entry = this.catalog.find((e) => e.fileName === fileName)
    if (entry && this.states.get(entry.id)?.status === 'complete') this.states.delete(entry.id)
    if (model) await this.runHook(() => this.options.onRemoved?.(model))
    await this.changed()
  }

  /** Starts or resumes a catalog download in the background; the state arrives through `onDownloadState`. */
  async download(catalogId: string, options: { select: boolean } = { select: false }): Promise<void> {
    const entry = this.entry(catalogId)
    if (this.active.has(entry.id)) return
    // Reserved before the first await, so a double click cannot start two writers on the same part file.
    const controller = new AbortController()
    let release!: () => void
    const reserved = new Promise<void>((resolve) => (release = resolve))
    this.active.set(entry.id, { controller, done: reserved })
    if (await stat(this.destinationOf(entry)).catch(() => undefined)) {
      this.active.delete(entry.id)
      release()
      throw new ModelFileError(`${entry.label} is already installed.`)
    }
    const previous = this.states.get(entry.id)
    this.publish(this.state(entry, 'downloading', previous?.receivedBytes ?? 0, { resumable: false }))
    const done = this.run(entry, controller, options).finally(() => {
      this.active.delete(entry.id)
      release()
    })
    this.active.set(entry.id, { controller, done })
  }

  /** Stops a running download; its part stays, so it can resume. */
  async cancel(catalogId: string): Promise<void> {
    const active = this.active.get(this.entry(catalogId).id)
    if (!active) return
    active.controller.abort()
    await active.done
  }

  /** Stops the download if it runs and deletes its part. */
  async discard(catalogId: string): Promise<void> {
    const entry = this.entry(catalogId)
    await this.cancel(entry.id)
    await this.downloader.discard(this.destinationOf(entry))
    this.states.delete(entry.id)
    await this.changed()
  }

  /** The running download of an entry finished (for tests and shutdown). */
  async settled(catalogId: string): Promise<void> {
    await this.active.get(catalogId)?.done
  }

  /** Cancels every running download (parts are kept) and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true
    const running = [...this.active.values()]
    for (const download of running) download.controller.abort()
    await Promise.all(running.map((download) => download.done))
  }

  private async run(entry: CatalogModel, controller: AbortController, options: { select: boolean }): Promise<void> {
    try {
      await this.downloader.download({
        url: entry.url,
        destination: this.destinationOf(entry),
        expectedBytes: entry.sizeBytes,
        ...(entry.sha256 ? { sha256: entry.sha256 } : {}),
        signal: controller.signal,
        onProgress: (progress) => {
          const status = progress.phase === 'verifying' ? 'verifying' : 'downloading'
          this.publish(
            this.state(entry, status, progress.receivedBytes, {
              bytesPerSecond: progress.bytesPerSecond,
              resumable: false,
            }),
          )
        },
      })
    } catch (error) {
      const failure =
        error instanceof DownloadError ? error : new DownloadError('io', `The download failed: ${errorMessage(error)}`)
      const kept = await this.downloader.partialBytes(entry.url, this.destinationOf(entry)).catch(() => 0)
      const status = failure.code === 'cancelled' ? 'paused' : 'failed'
      this.publish(
        this.state(entry, status, kept, {
          resumable: kept > 0,
          ...(status === 'failed' ? { error: { code: failure.code, message: failure.message } } : {}),
        }),
      )
      if (!this.stopped) await this.changed()
      return
    }
    this.publish(this.state(entry, 'complete', entry.sizeBytes, { resumable: false }))
    const model = await readInstalledModel(this.destinationOf(entry), entry.fileName).catch(async (error: unknown) => {
      // Verified bytes that node-llama-cpp cannot read: keep the file, but say so.
      this.options.onError?.(`downloaded ${entry.fileName} but could not read its header: ${errorMessage(error)}`)
      return undefined
    })
    if (model)
      await this.runHook(() => this.options.onInstalled?.(model, { select: options.select, label: entry.label }))
    if (!this.stopped) await this.changed()
  }

  private entry(catalogId: string): CatalogModel {
    const entry = this.catalog.find((e) => e.id === catalogId)
    if (!entry) throw new ModelFileError(`No model "${catalogId}" in the download catalog.`)
    return entry
  }

  private destinationOf(entry: CatalogModel): string {
    return join(this.directory, entry.fileName)
  }

  private state(
    entry: CatalogModel,
    status: ModelDownloadState['status'],
    receivedBytes: number,
    extra: { bytesPerSecond?: number; resumable: boolean; error?: ModelDownloadState['error'] },
  ): ModelDownloadState {
    return {
      catalogId: entry.id,
      status,
      receivedBytes,
      totalBytes: entry.sizeBytes,
      bytesPerSecond: extra.bytesPerSecond ?? 0,
      resumable: extra.resumable,
      ...(extra.error ? { error: extra.error } : {}),
    }
  }

  private publish(state: ModelDownloadState): void {
    this.states.set(state.catalogId, state)
    this.options.onDownloadState?.(state)
  }

  private async changed(): Promise<void> {
    if (!this.options.onChanged) return
    this.options.onChanged(await this.view())
  }

  private async runHook(hook: () => Promise<void> | void): Promise<void> {
    try {
      await hook()
    } catch (error) {
      this.options.onError?.(`model file hook failed: ${errorMessage(error)}`)
    }
  }
}

/** True when the file starts with the four bytes "GGUF". */
export async function hasGgufMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(4)
    const { bytesRead } = await handle.read(buffer, 0, 4, 0)
    return bytesRead === 4 && buffer.toString('latin1') === GGUF_MAGIC
  } finally {
    await handle.close()
  }
}

/** The name a file gets in the models folder: its own, with `.gguf` added when it lacks it. */
export function ggufFileName(name: string): string {
  const cleaned = name.replace(/^\.+/, '').replace(/[\0/\\]/g, '-') || 'model'
  return cleaned.toLowerCase().endsWith('.gguf') ? cleaned : `${cleaned}.gguf`
}

function toFileView(model: InstalledModel, catalogId: string | undefined): InstalledModelFile {
  return {
    fileName: model.fileName,
    sizeBytes: model.sizeBytes,
    ...(model.quantization ? { quantization: model.quantization } : {}),
    ...(model.name ? { name: model.name } : {}),
    ...(model.contextLength !== undefined ? { contextLength: model.contextLength } : {}),
    ...(catalogId ? { catalogId } : {}),
  }
}

function toCatalogView(
  entry: CatalogModel,
  installed: boolean,
  download: ModelDownloadState | undefined,
): CatalogModelView {
  return {
    id: entry.id,
    label: entry.label,
    sizeBytes: entry.sizeBytes,
    quantization: entry.quantization,
    parameters: entry.parameters,
    license: entry.license,
    licenseUrl: entry.licenseUrl,
    contextLength: entry.contextLength,
    checksumVerified: entry.sha256 !== undefined,
    installed,
    ...(download && !(installed && download.status === 'complete') ? { download } : {}),
  }
}
