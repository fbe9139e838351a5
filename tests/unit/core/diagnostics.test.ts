import { describe, expect, it } from 'vitest'
import { DiagnosticsRecorder } from '../../../src-main/core/diagnostics'

describe('DiagnosticsRecorder', () => {
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
