import { describe, expect, it } from 'vitest'
import { ActiveStreams } from '../../../src-main/core/chat/active-streams'
import { ModelAnswer } from '../../../src-main/core/chat/model-answer'

const answersOf = (streamId: string, ...modelIds: string[]) =>
  modelIds.map((modelId) => new ModelAnswer(streamId, modelId, 'streaming', 0))

describe('ActiveStreams', () => {
  it('retires a stream once none of its answers is open, and knows it as ended recently', () => {
    const streams = new ActiveStreams()
    const [a, b] = answersOf('s1', 'a', 'b')
    streams.add('s1', [a!, b!])
    streams.add('s2', answersOf('s2', 'c'))
    expect(streams.answers().map((x) => x.modelId)).toEqual(['a', 'b', 'c'])
    a!.end('complete')
    streams.retireIfDone('s1')
    expect(streams.get('s1')?.answers.get('b')).toBe(b)
    b!.end('stopped')
    streams.retireIfDone('s1')
    expect(streams.get('s1')).toBeUndefined()
    expect(streams.size).toBe(1)
    expect(streams.endedRecently('s1')).toBe(true)
    expect(streams.knows('s1')).toBe(true)
    expect(streams.knows('s2')).toBe(true)
    expect(streams.knows('s3')).toBe(false)
    expect(streams.answers('s1')).toEqual([])
  })

  it('remembers the last thousand ended streams, forgetting the oldest first', () => {
    const streams = new ActiveStreams()
    for (let i = 0; i <= 1_000; i++) {
      const id = `s${i}`
      const answers = answersOf(id, 'a')
      streams.add(id, answers)
      answers[0]!.end('complete')
      streams.retireIfDone(id)
    }
    expect(streams.endedRecently('s0')).toBe(false)
    expect(streams.endedRecently('s1')).toBe(true)
    expect(streams.endedRecently('s1000')).toBe(true)
  })
})
