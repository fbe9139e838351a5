/** The text the crash-safety child streams: deterministic, so the parent can tell exactly which prefix was saved. */
export function streamedDelta(index: number): string {
  return index % 5 === 4 ? `東京の天気${index} ` : `token-${index} `
}

/** How many whole deltas `text` is, or undefined when it is not exactly a prefix of the stream. */
export function deltasInPrefix(text: string): number | undefined {
  let offset = 0
  let count = 0
  while (offset < text.length) {
    const delta = streamedDelta(count)
    if (!text.startsWith(delta, offset)) return undefined
    offset += delta.length
    count += 1
  }
  return count
}
