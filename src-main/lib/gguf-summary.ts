/**
 * What the model list needs from a GGUF file (architecture, name, file type, training context), read from its
 * header in the main process without node-llama-cpp. A real model's header holds the tokenizer's vocabulary and
 * merges (hundreds of thousands of strings, several MB): node-llama-cpp's reader parses all of them in JavaScript
 * and stalls the event loop for a few hundred milliseconds, and importing node-llama-cpp itself takes about a
 * second. Here the header is read in 1 MB steps and every value that is not wanted is skipped: fixed-size arrays
 * by arithmetic, string arrays by walking their lengths, so the loop is held for a few milliseconds per step.
 *
 * Layout (GGUF v2/v3, little-endian): "GGUF" · version u32 · tensor count u64 · metadata count u64 · entries of
 * key (u64 length + UTF-8) · value type u32 · value; strings are u64 length + bytes, arrays are element type u32 ·
 * count u64 · elements. Anything that runs past the end of the file, or is implausible, is an error.
 */
import { open, type FileHandle } from 'node:fs/promises'

export interface GgufSummary {
  version: number
  architecture: string
  name?: string
  /** `general.file_type` (llama.cpp's `llama_ftype`). */
  fileType?: number
  /** `<architecture>.context_length` */
  contextLength?: number
}

const STEP = 1024 * 1024
const MAX_COUNT = 100_000_000n
const MAX_STRING = 64 * 1024 * 1024
const FIXED_SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 }
const STRING = 8
const ARRAY = 9

class HeaderCursor {
  private buffer = Buffer.alloc(0)
  /** File offset of buffer[0]. */
  private start = 0
  position = 0

  constructor(
    private readonly file: FileHandle,
    private readonly size: number,
  ) {}

  /** Makes `length` bytes at the position available (reading on from the file when needed). */
  async need(length: number): Promise<void> {
    if (this.position + length > this.size)
      throw new Error('the file ends in the middle of its header (truncated or damaged)')
    if (this.position + length <= this.start + this.buffer.length) return
    const want = Math.max(length, STEP)
    const chunk = Buffer.alloc(Math.min(want, this.size - this.position))
    const { bytesRead } = await this.file.read(chunk, 0, chunk.length, this.position)
    if (bytesRead < length) throw new Error('the file could not be read')
    this.buffer = chunk.subarray(0, bytesRead)
    this.start = this.position
  }

  /** Whether `length` bytes at the position are already in memory (no await needed). */
  has(length: number): boolean {
    return this.position + length <= this.start + this.buffer.length
  }

  private at(): number {
    return this.position - this.start
  }

  u32(): number {
    const value = this.buffer.readUInt32LE(this.at())
    this.position += 4
    return value
  }

  i32(): number {
    const value = this.buffer.readInt32LE(this.at())
    this.position += 4
    return value
  }

  u64(): bigint {
    const value = this.buffer.readBigUInt64LE(this.at())
    this.position += 8
    return value
  }

  text(length: number): string {
    const value = this.buffer.toString('utf8', this.at(), this.at() + length)
    this.position += length
    return value
  }

  skip(length: number): void {
    if (this.position + length > this.size)
      throw new Error('the file ends in the middle of its header (truncated or damaged)')
    this.position += length
  }
}

async function readCount(cursor: HeaderCursor): Promise<number> {
  await cursor.need(8)
  const count = cursor.u64()
  if (count > MAX_COUNT) throw new Error('its header is damaged (an impossible count)')
  return Number(count)
}

async function readString(cursor: HeaderCursor): Promise<string> {
  const length = await readCount(cursor)
  if (length > MAX_STRING) throw new Error('its header is damaged (an impossible string length)')
  await cursor.need(length)
  return cursor.text(length)
}

async function skipString(cursor: HeaderCursor): Promise<void> {
  if (!cursor.has(8)) await cursor.need(8)
  const length = cursor.u64()
  if (length > BigInt(MAX_STRING)) throw new Error('its header is damaged (an impossible string length)')
  cursor.skip(Number(length))
}

async function readScalar(cursor: HeaderCursor, type: number): Promise<number | string | boolean | undefined> {
  if (type === STRING) return readString(cursor)
  const size = FIXED_SIZES[type]
  if (size === undefined) throw new Error(`its header has an unknown value type ${type}`)
  await cursor.need(size)
  if (type === 4) return cursor.u32()
  if (type === 5) return cursor.i32()
  if (type === 10) return Number(cursor.u64())
  cursor.skip(size)
  return undefined
}

async function skipValue(cursor: HeaderCursor, type: number): Promise<void> {
  if (type === STRING) return skipString(cursor)
  if (type === ARRAY) {
    await cursor.need(4)
    const elementType = cursor.u32()
    const count = await readCount(cursor)
    const size = FIXED_SIZES[elementType]
    if (size !== undefined) return cursor.skip(count * size)
    if (elementType === STRING) {
      // Synchronous while the lengths are in memory: an await per string would run hundreds of thousands of
      // microtasks back to back, which holds the event loop as long as parsing everything would.
      for (let i = 0; i < count; i++) {
        if (!cursor.has(8)) await cursor.need(8)
        const length = cursor.u64()
        if (length > BigInt(MAX_STRING)) throw new Error('its header is damaged (an impossible string length)')
        cursor.skip(Number(length))
      }
      return
    }
    if (elementType === ARRAY) throw new Error('its header has nested arrays, which GGUF readers do not support')
    throw new Error(`its header has an unknown array type ${elementType}`)
  }
  const size = FIXED_SIZES[type]
  if (size === undefined) throw new Error(`its header has an unknown value type ${type}`)
  cursor.skip(size)
}

/** Reads the summary, or throws an Error saying what is wrong with the file. */
export async function readGgufSummary(path: string): Promise<GgufSummary> {
  const file = await open(path, 'r')
  try {
    const cursor = new HeaderCursor(file, (await file.stat()).size)
    await cursor.need(24)
    if (cursor.text(4) !== 'GGUF') throw new Error('it does not start with "GGUF"')
    const version = cursor.u32()
    if (version !== 2 && version !== 3) throw new Error(`GGUF version ${version} is not supported`)
    await readCount(cursor) // tensors
    const entries = await readCount(cursor)
    const values = new Map<string, number | string | boolean | undefined>()
    for (let i = 0; i < entries; i++) {
      const key = await readString(cursor)
      await cursor.need(4)
      const type = cursor.u32()
      const wanted = key.startsWith('general.') || key.endsWith('.context_length')
      if (wanted && type !== ARRAY) values.set(key, await readScalar(cursor, type))
      else await skipValue(cursor, type)
    }
    const architecture = values.get('general.architecture')
    if (typeof architecture !== 'string' || architecture.length === 0)
      throw new Error('its header names no architecture (general.architecture)')
    const name = values.get('general.name')
    const fileType = values.get('general.file_type')
    const contextLength = values.get(`${architecture}.context_length`)
    return {
      version,
      architecture,
      ...(typeof name === 'string' && name.length > 0 ? { name } : {}),
      ...(typeof fileType === 'number' ? { fileType } : {}),
      ...(typeof contextLength === 'number' ? { contextLength } : {}),
    }
  } finally {
    await file.close()
  }
}

/** llama.cpp's `llama_ftype` names (as node-llama-cpp's `GgufFileType`, without `MOSTLY_`/`ALL_`). */
const FILE_TYPES = [
  'F32',
  'F16',
  'Q4_0',
  'Q4_1',
  'Q4_1_SOME_F16',
  'Q4_2',
  'Q4_3',
  'Q8_0',
  'Q5_0',
  'Q5_1',
  'Q2_K',
  'Q3_K_S',
  'Q3_K_M',
  'Q3_K_L',
  'Q4_K_S',
  'Q4_K_M',
  'Q5_K_S',
  'Q5_K_M',
  'Q6_K',
  'IQ2_XXS',
  'IQ2_XS',
  'Q2_K_S',
  'IQ3_XS',
  'IQ3_XXS',
  'IQ1_S',
  'IQ4_NL',
  'IQ3_S',
  'IQ3_M',
  'IQ2_S',
  'IQ2_M',
  'IQ4_XS',
  'IQ1_M',
  'BF16',
  'Q4_0_4_4',
  'Q4_0_4_8',
  'Q4_0_8_8',
  'TQ1_0',
  'TQ2_0',
  'MXFP4_MOE',
  'NVFP4',
  'Q1_0',
  'Q2_0',
] as const

/** `15` → `Q4_K_M`; undefined for a number this list does not know. */
export function fileTypeName(fileType: number | undefined): string | undefined {
  return fileType === undefined ? undefined : FILE_TYPES[fileType]
}
