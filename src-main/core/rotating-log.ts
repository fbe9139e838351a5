import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname } from 'node:path'

export interface RotatingLogOptions {
  /** The current file; older ones are `<file>.1` … `<file>.<keep>`. */
  filePath: string
  maxBytes?: number
  keep?: number
}

/**
 * A small log file for bug reports (diagnostics events and errors, never prompt or answer text), rotated by size
 * so it never grows without bound. Writing it must never break the app: failures are swallowed.
 */
export class RotatingLog {
  private readonly maxBytes: number
  private readonly keep: number
  private size: number | undefined

  constructor(private readonly options: RotatingLogOptions) {
    this.maxBytes = options.maxBytes ?? 1024 * 1024
    this.keep = options.keep ?? 3
  }

  write(line: string, now = new Date()): void {
    const entry = `${now.toISOString()} ${line.replace(/[\r\n]+/g, ' ')}\n`
    try {
      if (this.size === undefined) {
        mkdirSync(dirname(this.options.filePath), { recursive: true })
        this.size = fileSize(this.options.filePath)
      }
      if (this.size + entry.length > this.maxBytes) this.rotate()
      appendFileSync(this.options.filePath, entry, { mode: 0o600 })
      this.size += Buffer.byteLength(entry)
    } catch {
      // A full disk or a read-only folder must not take the app down for the sake of a log line.
    }
  }

  private rotate(): void {
    const { filePath } = this.options
    rmSync(`${filePath}.${this.keep}`, { force: true })
    for (let i = this.keep - 1; i >= 1; i--) {
      try {
        renameSync(`${filePath}.${i}`, `${filePath}.${i + 1}`)
      } catch {
        // That generation does not exist yet.
      }
    }
    renameSync(filePath, `${filePath}.1`)
    this.size = 0
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}
