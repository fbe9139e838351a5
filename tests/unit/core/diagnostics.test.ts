import { describe, expect, it } from 'vitest'
import { DiagnosticsRecorder } from '../../../src-main/core/diagnostics'

describe('DiagnosticsRecorder', () => {
  it('counts a reconnect only after a drop in the same mode, and takes a state repeated by a second session once', () => {
    const diagnostics = new DiagnosticsRecorder()
    const at = (mode: 'local' | 'cloud', status: 'connecting' | 'connected' | 'reconnecting', since: number) =>
      diagnostics.connection({ mode, status, since })
    // A clean start: both of the app's sessions report connecting, then connected.
    at('local', 'connecting', 1)
    at('local', 'connecting', 2)
    at('local', 'connected', 3)
    at('local', 'connected', 4)
    expect(diagnostics.snapshot(0)).toMatchObject({ reconnects: 0 })
    expect(diagnostics.snapshot(0).connectionEvents.map((line) => line.slice(25))).toEqual([
      'local connecting',
      'local connected',
    ])
    at('local', 'reconnecting', 5)
    at('local', 'connected', 6)
    expect(diagnostics.snapshot(0).reconnects).toBe(1)
    // Switching modes is no drop; a drop in the new mode is.
    at('cloud', 'connecting', 7)
    at('cloud', 'connected', 8)
    expect(diagnostics.snapshot(0).reconnects).toBe(1)
    at('cloud', 'reconnecting', 9)
    at('cloud', 'connected', 10)
    expect(diagnostics.snapshot(0).reconnects).toBe(2)
  })

  it('counts per model column of each stream, newest first, and keeps only the latest 40 columns', () => {
    const diagnostics = new DiagnosticsRecorder()
    for (let i = 0; i < 45; i++) diagnostics.delivered({ streamId: `s${i}`, modelId: 'a' })
    diagnostics.duplicate({ streamId: 's44', modelId: 'a' })
    diagnostics.gap({ streamId: 's44', modelId: 'b' })
    diagnostics.delivered() // a chunk not tied to a column counts in the totals only
    const snapshot = diagnostics.snapshot(0)
    expect(snapshot.chunksDelivered).toBe(46)
    expect(snapshot.streams).toHaveLength(40)
    expect(snapshot.streams[0]).toEqual({
      streamId: 's44',
      modelId: 'b',
      chunksDelivered: 0,
      duplicatesDropped: 0,
      gapsReported: 1,
    })
    expect(snapshot.streams[1]).toEqual({
      streamId: 's44',
      modelId: 'a',
      chunksDelivered: 1,
      duplicatesDropped: 1,
      gapsReported: 0,
    })
    expect(snapshot.streams.map((s) => s.streamId)).not.toContain('s5')
    expect(snapshot.streams.at(-1)!.streamId).toBe('s6')
  })
})

describe('DiagnosticsRecorder: what reaches the log', () => {
  it("logs a failed answer by its code and its server's host, never its message", () => {
    const lines: string[] = []
    const diagnostics = new DiagnosticsRecorder(
      (line) => lines.push(line),
      (modelId) => (modelId === 'remote' ? 'api.example.com' : undefined),
    )
    diagnostics.answerFailed('remote', 'unauthorized', 0)
    diagnostics.answerFailed('embedded', 'internal', 0)
    expect(lines).toEqual(['error remote (api.example.com): unauthorized', 'error embedded: internal'])
    expect(diagnostics.snapshot(0).lastErrors).toEqual([
      '1970-01-01T00:00:00.000Z remote (api.example.com): unauthorized',
      '1970-01-01T00:00:00.000Z embedded: internal',
    ])
  })

  it('strips URL credentials from errors, notes and connection details', () => {
    const lines: string[] = []
    const diagnostics = new DiagnosticsRecorder((line) => lines.push(line))
    diagnostics.error('proxy http://bob:pw1@proxy:8080 refused', 0)
    diagnostics.note('via https://t0ken@host/x')
    diagnostics.connection({ mode: 'cloud', status: 'failed', detail: 'socks5://u:pw2@p:1080 down', since: 0 })
    const recorded = [...lines, ...diagnostics.snapshot(0).lastErrors, ...diagnostics.snapshot(0).connectionEvents]
    expect(recorded.join('\n')).not.toMatch(/pw1|t0ken|pw2/)
    expect(lines).toEqual([
      'error proxy http://proxy:8080 refused',
      'note via https://host/x',
      'connection cloud failed: socks5://p:1080 down',
    ])
  })
})
