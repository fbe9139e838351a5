/**
 * A provider stage for R1-style servers (DeepSeek-R1 on Together, vLLM without a reasoning parser, llama.cpp with
 * `--reasoning-format none`…) that put the chain of thought inline, as a `<think>…</think>` block at the very start of
 * `content`. It wraps any provider and turns that block into 'reasoning' events, incrementally: the tags may be split
 * across deltas, down to one character per delta. Deltas stay deltas; every other event passes through unchanged.
 *
 * Rules:
 * - only a block at the very start of the answer counts (leading whitespace allowed); a `<think>` later in an answer
 *   is answer text, as is anything when the answer does not start with the tag;
 * - the reasoning is exactly the text between the tags; whitespace between `</think>` and the answer is dropped
 *   (models put a blank line there, which would open the answer with empty lines);
 * - a block that never closes (the model was cut off, or the server dropped the tag) ends as reasoning followed by
 *   UNTERMINATED_THINK_NOTE, as a last 'reasoning' delta, before the provider's 'stop' event if there is one.
 */
import type { ModelEvent, ModelProvider } from '../model-provider'

const OPEN = '<think>'
const CLOSE = '</think>'
/** Leading whitespace kept while waiting to see whether the answer opens with `<think>`; beyond it, it is text. */
const MAX_LEADING_WHITESPACE = 1024

export const UNTERMINATED_THINK_NOTE = '\n\n(The reasoning ended without its closing </think> tag.)'

export function withThinkTagSplitting(provider: ModelProvider): ModelProvider {
  return {
    ...(provider.attachmentTarget ? { attachmentTarget: provider.attachmentTarget } : {}),
    async *stream(request) {
      const splitter = new ThinkTagSplitter()
      for await (const event of provider.stream(request)) {
        if (event.type === 'delta') yield* splitter.push(event.text)
        else {
          // The answer ends here: text held back for a possible tag must come before the reason it stopped.
          if (event.type === 'stop') yield* splitter.end()
          yield event
        }
      }
      yield* splitter.end()
    },
  }
}

type Phase = 'opening' | 'thinking' | 'after-think' | 'text'

/** The state machine behind withThinkTagSplitting: `push` each content delta, then `end`; both return the events. */
export class ThinkTagSplitter {
  private phase: Phase = 'opening'
  /** Text not yet emitted: the possible start of `<think>`, or of `</think>` while thinking. */
  private held = ''
  private ended = false

  push(text: string): ModelEvent[] {
    const out: ModelEvent[] = []
    if (text === '') return out
    if (this.phase === 'text') out.push({ type: 'delta', text })
    else if (this.phase === 'opening') this.opening(this.held + text, out)
    else if (this.phase === 'thinking') this.thinking(this.held + text, out)
    else this.afterThink(text, out)
    return out
  }

  /** Flushes what is held back; safe to call more than once (only the first call emits). */
  end(): ModelEvent[] {
    const out: ModelEvent[] = []
    if (this.ended) return out
    this.ended = true
    if (this.phase === 'opening' && this.held !== '') out.push({ type: 'delta', text: this.held })
    if (this.phase === 'thinking') out.push({ type: 'reasoning', text: this.held + UNTERMINATED_THINK_NOTE })
    this.held = ''
    this.phase = 'text'
    return out
  }

  private opening(pending: string, out: ModelEvent[]): void {
    const start = pending.length - pending.trimStart().length
    const rest = pending.slice(start)
    if (rest.startsWith(OPEN)) {
      this.held = ''
      this.phase = 'thinking'
      this.thinking(rest.slice(OPEN.length), out)
    } else if (OPEN.startsWith(rest) && start <= MAX_LEADING_WHITESPACE) {
      this.held = pending // whitespace, maybe followed by the beginning of the tag: wait for more
    } else {
      this.held = ''
      this.phase = 'text'
      out.push({ type: 'delta', text: pending })
    }
  }

  private thinking(pending: string, out: ModelEvent[]): void {
    const close = pending.indexOf(CLOSE)
    if (close !== -1) {
      if (close > 0) out.push({ type: 'reasoning', text: pending.slice(0, close) })
      this.held = ''
      this.phase = 'after-think'
      this.afterThink(pending.slice(close + CLOSE.length), out)
      return
    }
    const keep = partialSuffix(pending, CLOSE)
    this.held = pending.slice(pending.length - keep)
    const ready = pending.slice(0, pending.length - keep)
    if (ready !== '') out.push({ type: 'reasoning', text: ready })
  }

  private afterThink(text: string, out: ModelEvent[]): void {
    const answer = text.trimStart()
    if (answer === '') return
    this.phase = 'text'
    out.push({ type: 'delta', text: answer })
  }
}

/** The length of the longest end of `text` that is a proper beginning of `tag` (what may be a split tag). */
function partialSuffix(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(tag.slice(0, length))) return length
  }
  return 0
}
