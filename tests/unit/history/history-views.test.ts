import { describe, expect, it } from 'vitest'
import { historyHandlers } from '../../../src-main/core/history/history-handlers'
import { toConversationDetail, toSearchResults } from '../../../src-main/core/history/history-views'
import { MODELS, START, addAnsweredTurn, openTempStore } from './temp-history'

/** A conversation of two turns: a finished one, then one with an error (with usage) and a streaming answer. */
async function storeWithConversation() {
  const opened = await openTempStore()
  const { store } = opened
  const { id } = store.createConversation('東京の天気は？')
  addAnsweredTurn(store, id, '東京の天気は？', 'stream-1', ['晴れです', 'Sunny'])
  store.addTurn(id, 'And tomorrow?', 'stream-2', MODELS)
  store.finishAnswer('stream-2', 'qwen2-5', {
    status: 'error',
    error: { code: 'rate-limited', message: 'Too many requests' },
    usage: { inputTokens: 12, outputTokens: 3 },
  })
  store.appendAnswerProgress('stream-2', 'llama3-2', 'Rain, then')
  return { ...opened, id }
}

describe('history records as IPC types', () => {
  it('maps a conversation with its turn and answer ids and nothing of the store bookkeeping', async () => {
    const { store, id } = await storeWithConversation()
    const record = store.getConversation(id)!
    const [first, second] = record.turns
    const detail = toConversationDetail(record)
    expect(detail).toEqual({
      id,
      title: '東京の天気は？',
      createdAt: START,
      updatedAt: START,
      pinned: false,
      turns: [
        {
          id: first!.id,
          index: 0,
          parentTurnId: null,
          prompt: '東京の天気は？',
          streamId: 'stream-1',
          createdAt: START,
          answers: [
            {
              id: first!.answers[0]!.id,
              modelId: 'llama3-2',
              modelLabel: 'Llama 3.2',
              streamId: 'stream-1',
              attempt: 1,
              text: '晴れです',
              reasoning: '',
              status: 'complete',
            },
            {
              id: first!.answers[1]!.id,
              modelId: 'qwen2-5',
              modelLabel: 'Qwen 2.5',
              streamId: 'stream-1',
              attempt: 1,
              text: 'Sunny',
              reasoning: '',
              status: 'complete',
            },
          ],
        },
        {
          id: second!.id,
          index: 1,
          parentTurnId: first!.id,
          prompt: 'And tomorrow?',
          streamId: 'stream-2',
          createdAt: START,
          answers: [
            {
              id: second!.answers[0]!.id,
              modelId: 'llama3-2',
              modelLabel: 'Llama 3.2',
              streamId: 'stream-2',
              attempt: 1,
              text: 'Rain, then',
              reasoning: '',
              status: 'streaming',
            },
            {
              id: second!.answers[1]!.id,
              modelId: 'qwen2-5',
              modelLabel: 'Qwen 2.5',
              streamId: 'stream-2',
              attempt: 1,
              text: '',
              reasoning: '',
              status: 'error',
              error: { code: 'rate-limited', message: 'Too many requests' },
              usage: { inputTokens: 12, outputTokens: 3 },
              end: { usage: { inputTokens: 12, outputTokens: 3 } },
            },
          ],
        },
      ],
    })
    // Four distinct answer ids and two turn ids: what regenerate and version switching will address.
    expect(new Set(detail.turns.flatMap((t) => t.answers.map((a) => a.id))).size).toBe(4)
    expect(first!.id).not.toBe(second!.id)
    // A copy: changing the view does not change what the store handed out.
    detail.turns[1]!.answers[1]!.error!.message = 'changed'
    expect(record.turns[1]!.answers[1]!.error!.message).toBe('Too many requests')
    store.close()
  })

  it("maps an answer's reasoning and end details (usage with them, as the live stream's end says it), as copies", async () => {
    const { store, id } = await openTempStore().then(async (opened) => {
      const { id } = opened.store.createConversation('Why?')
      opened.store.addTurn(id, 'Why?', 'stream-r', MODELS.slice(0, 1))
      opened.store.finishAnswer('stream-r', 'llama3-2', {
        status: 'complete',
        text: 'Because.',
        reasoning: 'Let me think.',
        usage: { outputTokens: 7 },
        stopReason: 'other',
        rawStopReason: 'PAUSE_TURN',
        toolNames: ['lookup'],
        metrics: { outputTokens: 7, durationMs: 300 },
      })
      return { ...opened, id }
    })
    const record = store.getConversation(id)!
    const answer = toConversationDetail(record).turns[0]!.answers[0]!
    expect(answer).toMatchObject({
      text: 'Because.',
      reasoning: 'Let me think.',
      usage: { outputTokens: 7 },
      end: {
        usage: { outputTokens: 7 },
        stopReason: 'other',
        rawStopReason: 'PAUSE_TURN',
        toolNames: ['lookup'],
        metrics: { outputTokens: 7, durationMs: 300 },
      },
    })
    answer.end!.toolNames!.push('changed')
    answer.end!.metrics!.durationMs = 1
    expect(record.turns[0]!.answers[0]!.end).toMatchObject({ toolNames: ['lookup'], metrics: { durationMs: 300 } })
    store.close()
  })

  it('maps search hits with their turn and answer ids and the model label, not the search mode', async () => {
    const { store, id } = await storeWithConversation()
    const record = store.getConversation(id)!
    const results = store.search('晴れ')
    expect(results.mode).toBe('recent-scan')
    expect(toSearchResults(results)).toEqual({
      complete: true,
      hits: [
        {
          kind: 'answer',
          conversationId: id,
          conversationTitle: '東京の天気は？',
          turnId: record.turns[0]!.id,
          turnIndex: 0,
          answerId: record.turns[0]!.answers[0]!.id,
          modelLabel: 'Llama 3.2',
          at: START,
          snippet: { text: '晴れです', matches: [{ start: 0, end: 2 }] },
        },
      ],
    })
    const prompt = toSearchResults(store.search('tomorrow')).hits
    expect(prompt).toEqual([expect.objectContaining({ kind: 'prompt', turnId: record.turns[1]!.id, turnIndex: 1 })])
    expect(prompt[0]).not.toHaveProperty('answerId')
    expect(prompt[0]).not.toHaveProperty('modelLabel')
    store.close()
  })

  it('is what the history channels answer with', async () => {
    const { store, id } = await storeWithConversation()
    const handlers = historyHandlers(store, () => {})
    expect(await handlers['history:get'](id)).toEqual(toConversationDetail(store.getConversation(id)!))
    expect(await handlers['history:get']('missing')).toBeNull()
    expect(await handlers['history:search']('Sunny')).toEqual(toSearchResults(store.search('Sunny')))
    store.close()
  })
})
