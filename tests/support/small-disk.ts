/**
 * A real full disk for tests (issue 19): a small tmpfs mounted on a temp folder, and a filler that takes its last
 * byte. Mounting needs root on Linux (and a kernel that allows it), so without them a test is skipped, saying why.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, openSync, writeSync } from 'node:fs'
import { makeTempDirSync } from './temp-dir'

/** The mounted folder, or why there is none. Unmount it with `unmountSmallDisk` in the file's afterAll. */
export function mountSmallDisk(name: string, size = '2m'): { dir: string } | { skipped: string } {
  if (process.platform !== 'linux' || process.getuid?.() !== 0)
    return { skipped: 'mounting a tmpfs needs root on Linux' }
  const dir = makeTempDirSync(name)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' })
    return { dir }
  } catch (error) {
    return { skipped: `mount refused: ${(error as Error).message.split('\n')[0]}` }
  }
}

export function unmountSmallDisk(disk: { dir: string } | { skipped: string }): void {
  if ('dir' in disk) execFileSync('umount', [disk.dir])
}

/** Writes a filler file until the disk refuses another byte. */
export function fillDisk(path: string): void {
  const fd = openSync(path, 'w')
  const block = Buffer.alloc(4096, 1)
  try {
    for (;;) writeSync(fd, block)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
    // The last partial block, byte by byte, so not even a small write fits.
    try {
      for (;;) writeSync(fd, block, 0, 1)
    } catch {
      // full
    }
  } finally {
    closeSync(fd)
  }
}
