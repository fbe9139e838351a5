import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RotatingLog } from '../../../src-main/core/rotating-log'
import { DiagnosticsRecorder } from '../../../src-main/core/diagnostics'
import { makeTempDir } from '../../support/temp-dir'

describe('RotatingLog', () => {
  it('appends one line per entry and rotates by size, keeping the given number of old files', async () => {
    const dir = await makeTempDir('log')
    const log = new RotatingLog({ filePath: join(dir, 'logs', 'app.log'), maxBytes: 200, keep: 2 })
    for (let i = 0; i < 30; i++) log.write(`event ${i}\nwith a newline`, new Date(Date.UTC(2026, 10, 25, 0, 0, i)))
    const files = (await readdir(join(dir, 'logs'))).sort()
    expect(files).toEqual(['app.log', 'app.log.1', 'app.log.2'])
    const current = await readFile(join(dir, 'logs', 'app.log'), 'utf8')
    expect(current.length).toBeLessThanOrEqual(200)
    expect(current.trim().split('\n').at(-1)).toBe('2026-11-25T00:00:29.000Z event 29 with a newline')
  })

  it('never throws when the file cannot be written', async () => {
    const dir = await makeTempDir('log')
    await writeFile(join(dir, 'not-a-folder'), '')
    const log = new RotatingLog({ filePath: join(dir, 'not-a-folder', 'app.log') })
    expect(() => log.write('x')).not.toThrow()
  })
})

describe('DiagnosticsRecorder connection events', () => {
  it('counts reconnects and logs each change', () => {
    const lines: string[] = []
    const diagnostics = new DiagnosticsRecorder((line) => lines.push(line))
    for (const status of [
      'connecting',
      'connected',
      'reconnecting',
      'connected',
      'reconnecting',
      'connected',
    ] as const) {
      diagnostics.connection({ mode: 'local', status, since: 0 })
    }
    const snapshot = diagnostics.snapshot(0)
    expect(snapshot.reconnects).toBe(2)
    expect(snapshot.connectionEvents).toHaveLength(6)
    expect(lines[0]).toBe('connection local connecting')
    diagnostics.error('boom')
    expect(lines.at(-1)).toBe('error boom')
  })
})
