/**
 * "Continue" for an answer cut off at the token limit, or by the app closing mid-answer (ChatGPT's "Continue
 * generating"): the same model is asked, on
 * a stream of its own, to go on from where its answer stopped, and the result is ONE answer, a new attempt (version)
 * of that model at that turn whose text is the cut answer followed by the continuation. The cut answer stays as the
 * version before it.
 *
 * What the model is sent: the turn's context and prompt, the cut answer as its own (assistant) message, then one short
 * user message asking it to go on. The request ends with a user message so the roles keep alternating, which
 * Bedrock's Converse requires (ending on an assistant message is a "prefill" that only some models and servers
 * accept); OpenAI-compatible servers and the embedded engine take it as any follow-up.
 *
 * Pure: what a continuation sends and which answers may be continued are tested here.
 */
import type { ChatMessage } from '../../backend/model-provider'
import type { Continuation, ContinuedAnswer } from './conversation-log'

/** The user message that asks the model to go on. */
export const CONTINUE_INSTRUCTION =
  'Your previous answer was cut off before it ended. Continue it exactly where it stopped, mid-sentence or ' +
  'mid-word if need be. Do not repeat anything you already wrote and do not add any introduction.'

export const NO_SUCH_ANSWER = 'That answer is no longer in the conversation.'

/** Why `answer` cannot be continued, in plain words; undefined when it can. */
export function continuationRefusal(answer: ContinuedAnswer | undefined): string | undefined {
  if (!answer) return NO_SUCH_ANSWER
  if (answer.status === 'streaming') return 'That answer is still streaming; it can be continued once it has ended.'
  // Cut off at the token limit, or by the app closing mid-answer (interrupted).
  const cut = (answer.status === 'complete' && answer.stopReason === 'max-tokens') || answer.status === 'interrupted'
  if (!cut) return 'Only an answer cut off at the token limit or by StreamDesk closing can be continued.'
  // Nothing to go on from (it spent every token thinking): an assistant message must not be blank, and asking again
  // is what regenerating does.
  if (answer.text.trim() === '')
    return 'Nothing of that answer was written before the token limit; regenerate it instead.'
  return undefined
}

/** The model's context for a continuation: the turn's context, its prompt and the cut answer as the model's own. */
export function continuationContext(continuation: Continuation): ChatMessage[] {
  return [
    ...continuation.context,
    {
      role: 'user',
      content: continuation.prompt,
      ...(continuation.attachments ? { attachments: continuation.attachments } : {}),
    },
    { role: 'assistant', content: continuation.answer.text },
  ]
}
