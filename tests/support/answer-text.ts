import { mulberry32 } from './chaos-publisher'

const WORDS = [
  'stream',
  'chunk',
  'broker',
  'the',
  'answer',
  'QoS',
  'keep-alive',
  'résumé',
  'naïve',
  '日本語',
  'テキスト',
  '中文',
].concat(['😀', '🚀', '**bold**', '`code`', '\n\n', '- item\n', '| a | b |\n'])

/**
 * A model's answer as `count` deltas of a few words each (ASCII, accents, CJK, emoji as surrogate pairs,
 * markdown), deterministic per tag, so each column's expected text is known and differs from the others'.
 */
export function answerDeltas(tag: string, count: number): string[] {
  let seed = 0
  for (const char of tag) seed = (seed * 31 + char.charCodeAt(0)) >>> 0
  const random = mulberry32(seed)
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from(
      { length: 1 + Math.floor(random() * 4) },
      () => WORDS[Math.floor(random() * WORDS.length)]!,
    )
    return `${tag}${i} ${words.join(' ')} `
  })
}
