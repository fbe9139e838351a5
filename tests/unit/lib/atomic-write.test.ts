import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AtomicFile, writeFileAtomic, writeFileAtomicSync } from '../../../src-main/lib/atomic-write'
import { makeTempDir } from '../../support/temp-dir'

describe('atomic write', () => {
  let dir: string

  beforeEach(async () => {
    dir = await makeTempDir('atomic')
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('creates the folder, writes the content with the mode asked for, and leaves no temporary file', async () => {
    const path = join(dir, 'nested', 'settings.json')
    await writeFileAtomic(path, '{"a":1}\n', { mode: 0o600 })
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n')
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readdir(join(dir, 'nested'))).toEqual(['settings.json'])
  })

  it('replaces an existing file whole', async () => {
    const path = join(dir, 'tokens.json')
    await writeFile(path, 'old content that is longer than the new one')
    await writeFileAtomic(path, 'new')
    expect(await readFile(path, 'utf8')).toBe('new')
  })

  it('keeps the old file and removes its temporary file when the rename fails', async () => {
    // A non-empty folder at the target's name: the data is written, the rename over it fails.
    const path = join(dir, 'taken')
    await mkdir(path)
    await writeFile(join(path, 'inside'), 'x')
    await expect(writeFileAtomic(path, 'data')).rejects.toThrow()
    expect((await readdir(dir)).sort()).toEqual(['taken'])
    expect(await readdir(path)).toEqual(['inside'])
  })

  it('writes synchronously the same way', async () => {
    const path = join(dir, 'window-state.json')
    await writeFile(path, 'old')
    writeFileAtomicSync(path, '{"x":1}')
    expect(await readFile(path, 'utf8')).toBe('{"x":1}')
    expect(await readdir(dir)).toEqual(['window-state.json'])

    const taken = join(dir, 'taken')
    await mkdir(taken)
    await writeFile(join(taken, 'inside'), 'x')
    expect(() => writeFileAtomicSync(taken, 'data')).toThrow()
    expect((await readdir(dir)).sort()).toEqual(['taken', 'window-state.json'])
  })

  describe('AtomicFile', () => {
    it('applies writes in the order they were asked for, even when an earlier one is slower', async () => {
      const file = new AtomicFile(join(dir, 'ordered.json'))
      const big = 'a'.repeat(8 * 1024 * 1024)
      await Promise.all([file.write(big), file.write('small'), file.write(big), file.write('last')])
      expect(await readFile(file.path, 'utf8')).toBe('last')
    })

    it('runs the next write after a failed one', async () => {
      const path = join(dir, 'flaky.json')
      await mkdir(path)
      await writeFile(join(path, 'inside'), 'x')
      const file = new AtomicFile(path)
      const failed = file.write('first')
      const cleared = failed.catch(() => rm(path, { recursive: true }))
      await expect(failed).rejects.toThrow()
      await cleared
      await file.write('second')
      expect(await readFile(path, 'utf8')).toBe('second')
    })
  })
})
