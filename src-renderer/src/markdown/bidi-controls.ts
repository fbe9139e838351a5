/**
 * Bidirectional control characters reorder what is displayed without being displayed themselves: in a link's text
 * `evil.com/<U+202E>moc.elgoog` reads as another domain, in code they hide what the code does ("Trojan Source"). Where that
 * matters (code and link text) each is replaced by a visible marker. The marker is plain text, so it is safe in an
 * attribute as well as in content; history keeps the original characters.
 */
const BIDI_CONTROL = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g

export function showBidiControls(text: string): string {
  return text.replace(BIDI_CONTROL, (char) => `⟦U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟧`)
}
