/**
 * A strict check of a GGUF file's header (magic, version, counts, every metadata entry) against the file's real
 * size, for files the user adds from disk. node-llama-cpp's header reader is lenient with a truncated file (it
 * reads past the end as zeros), so it cannot tell a damaged file from a good one; this can. Only the header is
 * read, in 1 MB steps, so even a multi-gigabyte file is checked in milliseconds.
 *
 * Layout (GGUF v2/v3, little-endian): "GGUF" · version u32 · tensor count u64 · metadata count u64 · entries of
 * key (u64 length + UTF-8) · value type u32 · value, where strings are u64 length + bytes and arrays are element
 * type u32 · count u64 · elements.
 */
import { open, type FileHandle } from 'node:fs/promises'

const FIXED_SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 }
const STRING = 8
const ARRAY = 9
const MAX_COUNT = 100_000_000

export interface GgufHeaderSummary {
  version: number
  tensorCount: number
  metadataCount: number
  architecture: string
}

/** Reads and checks the whole header; throws an Error saying what is wrong. */
export async function checkGgufHeader(path: string): Promise<GgufHeaderSummary> {
  const handle = await open(path, 'r')
  try {
    const reader = new HeaderReader(handle, (await handle.stat()).size)
    if ((await reader.bytes(4)).toString('latin1') !== 'GGUF') throw new Error('it does not start with "GGUF"')
    const version = await reader.u32()
    if (version !== 2 && version !== 3) throw new Error(`GGUF version ${version} is not supported`)
    const tensorCount = await reader.count()
    const metadataCount = await reader.count()
    let architecture: string | undefined
    for (let i = 0; i < metadataCount; i++) {
      const key = (await reader.text()).toString('utf8')
      const type = await reader.u32()
      if (key === 'general.architecture' && type === STRING) architecture = (await reader.text()).toString('utf8')
      else await reader.skipValue(type)
    }
    if (!architecture) throw new Error('its header names no architecture (general.architecture)')
    return { version, tensorCount, metadataCount, architecture }
  } finally {
    await handle.close()
  }
}

class HeaderReader {
  private buffer = Buffer.alloc(0)
  private bufferStart = 0
  private position = 0

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  async bytes(length: number): Promise<Buffer> {
    if (this.position + length > this.size) throw new Error('the file ends in the middle of its header (truncated or damaged)')
    const offset = this.position - this.bufferStart
    if (offset < 0 || offset + length > this.buffer.length) {
      const chunk = Buffer.alloc(Math.max(length, 1024 * 1024))
      const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.position)
      this.buffer = chunk.subarray(0, bytesRead)
      this.bufferStart = this.position
    }
    const start = this.position - this.bufferStart
    this.position += length
    return this.buffer.subarray(start, start + length)
  }

  async u32(): Promise<number> {
    return (await this.bytes(4)).readUInt32LE(0)
  }

  async count(): Promise<number> {
    const value = (await this.bytes(8)).readBigUInt64LE(0)
    if (value > BigInt(MAX_COUNT)) throw new Error('its header has an impossible count (damaged)')
    return Number(value)
  }

  async text(): Promise<Buffer> {
    return this.bytes(await this.length())
  }

  async skipValue(type: number): Promise<void> {
    if (type === STRING) return this.skip(await this.length())
    if (type === ARRAY) {
      const elementType = await this.u32()
      const count = await this.count()
      const fixed = FIXED_SIZES[elementType]
      if (fixed !== undefined) return this.skip(fixed * count)
      for (let i = 0; i < count; i++) await this.skipValue(elementType)
      return
    }
    const fixed = FIXED_SIZES[type]
    if (fixed === undefined) throw new Error(`its header has an unknown value type ${type} (damaged)`)
    await this.skip(fixed)
  }

  private async length(): Promise<number> {
    const value = (await this.bytes(8)).readBigUInt64LE(0)
    if (value > BigInt(this.size)) throw new Error('the file ends in the middle of its header (truncated or damaged)')
    return Number(value)
  }

  private async skip(length: number): Promise<void> {
    if (this.position + length > this.size) throw new Error('the file ends in the middle of its header (truncated or damaged)')
    this.position += length
  }
}
