/**
 * The curated list of small GGUF instruct models StreamDesk offers to download. Only these URLs can be downloaded
 * through the app (the IPC channel takes a catalog id, never a URL).
 *
 * Where the values come from (the model hub is not reachable from where this was written, so none of the files
 * was downloaded and hashed here):
 * - Qwen2.5 0.5B: the SHA-256 is the one Hugging Face's file page shows for this file (bartowski's repo, at
 *   revision b26a58accf53b1a19fbc555d52fdb224bec473f5); the byte size comes from several independent projects that
 *   pin the same file and hash.
 * - Llama 3.2 1B: SHA-256 and byte size both from Hugging Face's own pages (the file page at revision
 *   d52af3776f99ddf220e5ffd3f93b2a4e4df105be and a Git LFS pointer of the same file: oid + size).
 * - Qwen2.5 1.5B: SHA-256 and size from several independent projects that download this URL and verify it; not
 *   confirmed on a Hugging Face page (an older upload of the same name had another hash, 50961d9b…).
 * `resolve/main` follows the repository's current file: if an uploader replaces it, the checksum no longer
 * matches and the download is refused with a clear message (never installed unverified). Every entry has a real
 * SHA-256; an entry without one (`sha256: undefined`) would be verified by size only, and the UI says so.
 */

export interface CatalogModel {
  /** Stable id used over IPC and in settings. */
  id: string
  /** What the user sees. */
  label: string
  /** The file name it gets in the models folder. */
  fileName: string
  url: string
  sizeBytes: number
  /** Lower-case hex; undefined means no published checksum was found, so only the size is verified. */
  sha256: string | undefined
  quantization: string
  parameters: string
  license: string
  licenseUrl: string
  /** The context length the model was trained for. */
  contextLength: number
}

export const MODEL_CATALOG: readonly CatalogModel[] = [
  {
    id: 'qwen2.5-0.5b-instruct-q4_k_m',
    label: 'Qwen2.5 0.5B Instruct',
    fileName: 'Qwen2.5-0.5B-Instruct-Q4_K_M.gguf',
    url: 'https://huggingface.co/bartowski/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf',
    sizeBytes: 397_808_192,
    sha256: '6eb923e7d26e9cea28811e1a8e852009b21242fb157b26149d3b188f3a8c8653',
    quantization: 'Q4_K_M',
    parameters: '0.5B',
    license: 'Apache-2.0',
    licenseUrl: 'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct/blob/main/LICENSE',
    contextLength: 32_768,
  },
  {
    id: 'llama-3.2-1b-instruct-q4_k_m',
    label: 'Llama 3.2 1B Instruct',
    fileName: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    url: 'https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    sizeBytes: 807_694_464,
    sha256: '6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83',
    quantization: 'Q4_K_M',
    parameters: '1B',
    license: 'Llama 3.2 Community License',
    licenseUrl: 'https://huggingface.co/meta-llama/Llama-3.2-1B-Instruct/blob/main/LICENSE.txt',
    contextLength: 131_072,
  },
  {
    id: 'qwen2.5-1.5b-instruct-q4_k_m',
    label: 'Qwen2.5 1.5B Instruct',
    fileName: 'Qwen2.5-1.5B-Instruct-Q4_K_M.gguf',
    url: 'https://huggingface.co/bartowski/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/Qwen2.5-1.5B-Instruct-Q4_K_M.gguf',
    sizeBytes: 986_048_768,
    sha256: '1adf0b11065d8ad2e8123ea110d1ec956dab4ab038eab665614adba04b6c3370',
    quantization: 'Q4_K_M',
    parameters: '1.5B',
    license: 'Apache-2.0',
    licenseUrl: 'https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct/blob/main/LICENSE',
    contextLength: 32_768,
  },
]

/** The one-click download offered on a first run with nothing to answer: the smallest. */
export const RECOMMENDED_MODEL_ID = 'qwen2.5-0.5b-instruct-q4_k_m'

export function catalogModel(id: string, catalog: readonly CatalogModel[] = MODEL_CATALOG): CatalogModel | undefined {
  return catalog.find((model) => model.id === id)
}
