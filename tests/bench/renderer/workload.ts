/**
 * The renderer benchmark's workload: one long model answer, generated deterministically from a seed, already cut
 * into token-like deltas of a few characters. Prose paragraphs with inline markup, bulleted and numbered lists,
 * an occasional heading, and a 40-line fenced code block about every 400 deltas, as a chat model writes them
 * (one line per paragraph, no hard wraps). The answer ends with a sentence unique to its seed (`lastWords`), so a
 * page can tell the moment the final delta is on screen.
 */
import { splitIntoDeltas } from '../../fixtures/fake-openai-server'
import { mulberry32 } from '../../support/chaos-publisher'

export interface Answer {
  seed: number
  deltas: string[]
  text: string
  /** The answer's last sentence, unique per seed: its presence in a column means the last delta was rendered. */
  lastWords: string
  codeBlocks: number
  /** The model's thinking, streamed before the answer (reasoning scenarios only). */
  reasoning?: Reasoning
}

const WORDS = (
  'the a an of to in and for with on that this is are be it as by from at or which can when will each not more ' +
  'system stream buffer model answer request value result client server message window column render update ' +
  'frame layout token chunk network latency browser thread queue event handler state store memory process ' +
  'order simple small large fast slow first last next every other same different important useful careful ' +
  'usually often rarely quickly directly instead however because therefore although while before after ' +
  'configuration performance interface component function parameter argument response connection session ' +
  'keeps sends reads writes checks returns builds parses shows moves holds waits starts stops runs needs ' +
  'data text code line block list item field record index cache table point case step part way time rate'
).split(' ')

/** splitIntoDeltas' piece length: words up to this long (with their leading space) are one delta. */
const DELTA_CHARS = 6

const LANGUAGES = ['ts', 'python', 'rust', 'go', 'bash', 'json'] as const
type Language = (typeof LANGUAGES)[number]

/** A model's thinking before its answer (see generateReasoning). */
export interface Reasoning {
  deltas: string[]
  text: string
  /** Its last sentence, unique per seed. */
  lastWords: string
}

/** The seeded vocabulary both generators write with: words, inline markup, sentences and paragraphs. */
function proseKit(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))
  const word = () => pick(WORDS)
  const identifier = () =>
    `${pick(['get', 'set', 'read', 'make', 'send', 'load', 'parse', 'next'])}${pick(['Value', 'Chunk', 'Frame', 'Item', 'State', 'Index', 'Line', 'Rate'])}`
  const inlineWord = () => {
    const r = random()
    if (r < 0.03) return `**${word()} ${word()}**`
    if (r < 0.06) return `\`${identifier()}()\``
    if (r < 0.075) return `[${word()} ${word()}](https://example.com/${word()}/${int(1, 99)})`
    if (r < 0.09) return `*${word()}*`
    return word()
  }
  const sentence = (min: number, max: number) => {
    const words = Array.from({ length: int(min, max) }, inlineWord)
    const first = words[0]!
    words[0] = first.charAt(0).toUpperCase() + first.slice(1)
    return `${words.join(' ')}${random() < 0.2 ? `, ${word()} ${word()}.` : '.'}`
  }
  const paragraph = (sentences: number) => `\n\n${Array.from({ length: sentences }, () => sentence(6, 14)).join(' ')}`
  return { pick, int, word, identifier, sentence, paragraph }
}

/**
 * Pads `deltas` to exactly `deltaCount - closing` with whole plain sentences while they fit, then one-delta words,
 * so a generator's count is exact whatever its main part came to.
 */
function fillTo(deltas: string[], target: number, kit: ReturnType<typeof proseKit>): void {
  for (let first = true; ; first = false) {
    const candidate = splitIntoDeltas(
      `${first ? '' : ' '}${kit.sentence(6, 14).replace(/[*`[\]()]/g, '')}`,
      DELTA_CHARS,
    )
    if (deltas.length + candidate.length > target) break
    deltas.push(...candidate)
  }
  const filler = ['and', 'so', 'it', 'is', 'the', 'of', 'to']
  while (deltas.length < target) deltas.push(` ${kit.pick(filler)}`)
}

/** Deterministic answer of exactly `deltaCount` deltas (at least ~200). */
export function generateAnswer(seed: number, deltaCount: number): Answer {
  const random = mulberry32(seed)
  const kit = proseKit(random)
  const { pick, int, word, identifier, sentence, paragraph } = kit
  const deltas: string[] = []
  let codeBlocks = 0
  // Each segment starts with its separator ("\n\n", " ", "\n"), so its deltas are token-like on their own.
  const emit = (segment: string) => deltas.push(...splitIntoDeltas(segment, DELTA_CHARS))
  const list = () => {
    const numbered = random() < 0.4
    const items = Array.from({ length: int(3, 6) }, (_, i) => {
      const marker = numbered ? `${i + 1}.` : '-'
      const lead = random() < 0.4 ? `**${word()} ${word()}**: ` : ''
      let item = `\n${marker} ${lead}${sentence(4, 10)}`
      if (!numbered && random() < 0.2) item += `\n  - ${sentence(3, 7)}`
      return item
    })
    return `\n${items.join('')}`
  }
  const code = (language: Language) => {
    const lines: string[] = []
    let depth = 0
    for (let i = 0; i < 40; i++) {
      const id = identifier()
      const r = random()
      const closes = r >= 0.15 && r < 0.3 && depth > 0 && language !== 'python'
      const indent = '  '.repeat(closes ? depth - 1 : depth)
      let line: string
      switch (language) {
        case 'ts':
          line =
            r < 0.15 && depth < 3
              ? (depth++, `function ${id}(x: number) {`)
              : r < 0.3 && depth > 0
                ? (depth--, '}')
                : pick([
                    `const ${id.toLowerCase()} = x + ${int(1, 9)}`,
                    `if (x > ${int(1, 99)}) return ${id}(x)`,
                    `// ${word()} ${word()}`,
                    `await ${id}("${word()}")`,
                  ])
          break
        case 'python':
          line =
            r < 0.15 && depth < 3
              ? (depth++, `def ${id.toLowerCase()}(x):`)
              : r < 0.25 && depth > 0
                ? (depth--, `return x`)
                : pick([
                    `${id.toLowerCase()} = x + ${int(1, 9)}`,
                    `if x > ${int(1, 99)}: x -= 1`,
                    `# ${word()} ${word()}`,
                    `print("${word()}", x)`,
                  ])
          break
        case 'rust':
          line =
            r < 0.15 && depth < 3
              ? (depth++, `fn ${id.toLowerCase()}(x: u32) -> u32 {`)
              : r < 0.3 && depth > 0
                ? (depth--, '}')
                : pick([
                    `let v = x + ${int(1, 9)};`,
                    `if x > ${int(1, 99)} { return x; }`,
                    `// ${word()} ${word()}`,
                    `println!("{}", x);`,
                  ])
          break
        case 'go':
          line =
            r < 0.15 && depth < 3
              ? (depth++, `func ${id}(x int) int {`)
              : r < 0.3 && depth > 0
                ? (depth--, '}')
                : pick([
                    `v := x + ${int(1, 9)}`,
                    `if x > ${int(1, 99)} { return x }`,
                    `// ${word()} ${word()}`,
                    `fmt.Println(x)`,
                  ])
          break
        case 'bash':
          line = pick([
            `echo "${word()} ${word()}"`,
            `${word()}=$(( x + ${int(1, 9)} ))`,
            `# ${word()} ${word()}`,
            `if [ "$x" -gt ${int(1, 99)} ]; then exit 1; fi`,
          ])
          break
        case 'json':
          line =
            i === 0
              ? '{'
              : i === 39
                ? '}'
                : `  "${word()}${i}": ${pick([`${int(0, 999)}`, `"${word()}"`, 'true', 'null'])}${i === 38 ? '' : ','}`
          break
      }
      lines.push(language === 'json' ? line : `${indent}${line}`.trimEnd() || indent + '//')
    }
    codeBlocks += 1
    return `\n\n\`\`\`${language}\n${lines.join('\n')}\n\`\`\``
  }

  const lastWords = `That is all for answer ${seed}, thank you for reading.`
  const closing = splitIntoDeltas(` ${lastWords}`, DELTA_CHARS).length
  // About 400 deltas per cycle; stop while there is room for one more and the closing paragraph.
  let part = 0
  while (deltas.length + 650 + closing < deltaCount) {
    part += 1
    if (part % 3 === 1) emit(`${deltas.length === 0 ? '' : '\n\n'}## Part ${part}: ${word()} ${word()}`)
    emit(paragraph(int(2, 4)))
    emit(list())
    emit(paragraph(int(1, 2)))
    emit(code(LANGUAGES[(part - 1) % LANGUAGES.length]!))
  }
  // Then whole sentences while they fit, then one-delta words, so the count is exact.
  deltas.push('\n\n')
  fillTo(deltas, deltaCount - closing, kit)
  deltas.push(...splitIntoDeltas(` ${lastWords}`, DELTA_CHARS))
  if (deltas.length !== deltaCount) throw new Error(`workload: ${deltas.length} deltas, wanted ${deltaCount}`)
  return { seed, deltas, text: deltas.join(''), lastWords, codeBlocks }
}

/**
 * A model's thinking before its answer, exactly `deltaCount` deltas (at least ~100), as reasoning models write it:
 * paragraphs that weigh the question aloud ("Wait, …", "So …"), with inline markup and a short numbered plan now
 * and then, no headings and no fenced code. Seeded apart from the answer of the same seed, so the two differ.
 */
export function generateReasoning(seed: number, deltaCount: number): Reasoning {
  const kit = proseKit(mulberry32(seed * 7919 + 17))
  const { pick, int, sentence } = kit
  const deltas: string[] = []
  const emit = (segment: string) => deltas.push(...splitIntoDeltas(segment, DELTA_CHARS))
  const openers = ['Okay, so', 'Wait,', 'Hmm,', 'So', 'Let me check:', 'Actually,', 'Right,', 'But']
  const thought = () => {
    const body = sentence(6, 14)
    return `${pick(openers)} ${body.charAt(0).toLowerCase()}${body.slice(1)}`
  }
  const plan = () =>
    `\n\n${Array.from({ length: int(2, 4) }, (_, i) => `${i === 0 ? '' : '\n'}${i + 1}. ${sentence(4, 9)}`).join('')}`
  const lastWords = `That settles how to write answer ${seed}.`
  const closing = splitIntoDeltas(` ${lastWords}`, DELTA_CHARS).length
  while (deltas.length + 250 + closing < deltaCount) {
    emit(`${deltas.length === 0 ? '' : '\n\n'}${Array.from({ length: int(2, 5) }, thought).join(' ')}`)
    if (int(1, 4) === 1) emit(plan())
  }
  if (deltas.length > 0) deltas.push('\n\n')
  fillTo(deltas, deltaCount - closing, kit)
  deltas.push(...splitIntoDeltas(` ${lastWords}`, DELTA_CHARS))
  if (deltas.length !== deltaCount) throw new Error(`workload: ${deltas.length} reasoning deltas, wanted ${deltaCount}`)
  return { deltas, text: deltas.join(''), lastWords }
}

/**
 * Issue 5's hostile shape: one huge markdown table (four columns, a row of ~8 deltas), between a short intro and
 * the closing sentence, so the open tail block is a table that grows for the whole stream.
 */
export function generateTableAnswer(seed: number, deltaCount: number): Answer {
  const random = mulberry32(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const deltas: string[] = []
  const emit = (segment: string) => deltas.push(...splitIntoDeltas(segment, DELTA_CHARS))
  const lastWords = `That is all for table ${seed}, thank you for reading.`
  const closing = splitIntoDeltas(`\n\n${lastWords}`, DELTA_CHARS).length
  emit('Here is the table you asked for:\n\n| # | name | value | notes |\n|---:|:---|---:|---|')
  for (let row = 1; ; row++) {
    const line = splitIntoDeltas(
      `\n| ${row} | ${pick(WORDS)} ${pick(WORDS)} | ${Math.floor(random() * 100_000)} | ${pick(WORDS)} *${pick(WORDS)}* ${pick(WORDS)} |`,
      DELTA_CHARS,
    )
    if (deltas.length + line.length + closing > deltaCount) break
    deltas.push(...line)
  }
  while (deltas.length + closing < deltaCount) deltas.push(' ')
  emit(`\n\n${lastWords}`)
  if (deltas.length !== deltaCount) throw new Error(`workload: ${deltas.length} deltas, wanted ${deltaCount}`)
  return { seed, deltas, text: deltas.join(''), lastWords, codeBlocks: 0 }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const reasoning = generateReasoning(101, 5_000)
  console.log(`5,000 reasoning deltas: ${(reasoning.text.length / 1000).toFixed(1)} kB`)
  console.log(reasoning.text.slice(0, 1500))
  for (const count of [2_000, 20_000]) {
    const answer = generateAnswer(101, count)
    const lengths = answer.deltas.map((d) => d.length)
    console.log(
      `${count} deltas: ${(answer.text.length / 1000).toFixed(1)} kB, ${answer.codeBlocks} code blocks, ` +
        `mean delta ${(answer.text.length / count).toFixed(2)} chars, max ${Math.max(...lengths)}`,
    )
    if (count === 2_000) console.log(answer.text.slice(0, 2500))
  }
}
