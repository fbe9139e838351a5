/**
 * The GGUF model files installed in the app's models folder (`<userData>/models`), described from their headers.
 * Only the header is read, never the weights, and without node-llama-cpp (`src-main/lib/gguf-summary.ts` says why), so the
 * main process lists multi-gigabyte files in milliseconds and never loads node-llama-cpp itself.
 */
import { createHash } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { errorMessage } from '../../lib/error-message'
import { fileTypeName, readGgufSummary } from '../../lib/gguf-summary'

export interface InstalledModel {
  /** Stable id derived from the file name, valid as a model id (1–128 of A-Z a-z 0-9 _ . : -). */
  id: string
  fileName: string
  path: string
  sizeBytes: number
  /** From `general.file_type`, e.g. `Q4_K_M`, `F16`. */
  quantization?: string
  /** `general.name` */
  name?: string
  /** `<architecture>.context_length`: the context the model was trained for. */
  contextLength?: number
}

export const MODELS_FOLDER = 'models'
export const GGUF_EXTENSION = '.gguf'

export function modelsDirectory(userDataDir: string): string {
  return join(userDataDir, MODELS_FOLDER)
}

/** A model id for a file name: the name without `.gguf`, other characters replaced, plus a short hash if changed. */
export function installedModelId(fileName: string): string {
  const stem = fileName.toLowerCase().endsWith(GGUF_EXTENSION) ? fileName.slice(0, -GGUF_EXTENSION.length) : fileName
  const safe = stem.replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 100)
  if (safe === stem && safe.length > 0) return `gguf:${safe}`
  const hash = createHash('sha256').update(fileName).digest('hex').slice(0, 10)
  return `gguf:${safe}-${hash}`
}

/** Describes one GGUF file from its header; throws if it is not a readable GGUF file (use it to check a file the user adds). */
export async function readInstalledModel(
  path: string,
  fileName = path.split(/[\\/]/).pop() ?? path,
): Promise<InstalledModel> {
  const [summary, stats] = await Promise.all([
    readGgufSummary(path).catch((error: unknown) => {
      throw new Error(`${fileName} is not a usable GGUF model: ${errorMessage(error)}`)
    }),
    stat(path),
  ])
  const quantization = fileTypeName(summary.fileType)
  return {
    id: installedModelId(fileName),
    fileName,
    path,
    sizeBytes: stats.size,
    ...(quantization ? { quantization } : {}),
    ...(summary.name ? { name: summary.name } : {}),
    ...(summary.contextLength !== undefined ? { contextLength: summary.contextLength } : {}),
  }
}

/**
 * Every `*.gguf` file directly in `dir`, sorted by file name. A missing folder is an empty list; a file whose
 * header cannot be read (a partial or damaged download) is left out. Downloads in progress should use another
 * extension (e.g. `.gguf.part`) until they are verified.
 */
export async function listInstalledModels(dir: string): Promise<InstalledModel[]> {
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith(GGUF_EXTENSION))
    .map((entry) => entry.name)
    .sort()
  const models = await Promise.all(
    files.map((fileName) => readInstalledModel(join(dir, fileName), fileName).catch(() => undefined)),
  )
  return models.filter((model): model is InstalledModel => model !== undefined)
}
