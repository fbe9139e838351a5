/**
 * A real full disk for tests (issue 19): a small tmpfs mounted on a temp folder, and a filler that takes its last
 * byte. Mounting needs root on Linux (and a kernel that allows it), so without them a test is skipped, saying why.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs'
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

/**
 * Unmounts every small disk still mounted below `folder` (a test process killed before its afterAll leaves its
 * tmpfs mounted, and the run folder then cannot be removed: EBUSY). Linux only; elsewhere nothing is ever mounted.
 */
export function unmountSmallDisksBelow(folder: string): void {
  if (!existsSync('/proc/self/mounts')) return
  const mountPoints = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((point): point is string => point !== undefined && point.startsWith(`${folder}/`))
  // Deepest first, in case one was mounted inside another.
  for (const point of mountPoints.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', [point], { stdio: 'pipe' })
    } catch {
      // Still busy: the folder's removal says so.
    }
  }
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
