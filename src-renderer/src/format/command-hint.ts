/**
 * Splits a hint from `models:check` into prose and shell commands, so commands can be shown as code. The
 * contract does not fix a format: text in backticks is a command, and without backticks so is a run of words
 * starting with a well-known CLI (`ollama serve`, `ollama pull llama3.2`).
 */
export interface HintSegment {
  text: string
  isCommand: boolean
}

const BACKTICKED = /`([^`]+)`/g
const CLI_NAMES = 'ollama|docker|curl|brew|systemctl|sudo|npm|npx|lms|llama-server|vllm|winget'
// A CLI name, then its arguments: words up to punctuation, stopping before "then/and/or" that join two commands.
const KNOWN_COMMAND = new RegExp(`\\b(?:${CLI_NAMES})(?:[ \\t]+(?!(?:then|and|or)\\b)[^\\s,;()]+)+`, 'g')

export function splitCommandHint(hint: string): HintSegment[] {
  const pattern = hint.includes('`') ? BACKTICKED : KNOWN_COMMAND
  const segments: HintSegment[] = []
  let last = 0
  for (const match of hint.matchAll(pattern)) {
    // A sentence-ending period is not part of the command.
    const command = (match[1] ?? match[0]).replace(/\.$/, '')
    const start = match.index
    const end = start + (match[1] === undefined ? command.length : match[0].length)
    if (start > last) segments.push({ text: hint.slice(last, start), isCommand: false })
    segments.push({ text: command, isCommand: true })
    last = end
  }
  if (last < hint.length) segments.push({ text: hint.slice(last), isCommand: false })
  return segments
}
