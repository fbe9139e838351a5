import fc from 'fast-check'

/**
 * Text as users and models write it, for property tests: fast-check's default `fc.string()` is printable ASCII
 * only, so a property drawn from it never meets a surrogate pair or a combining mark. This mixes any grapheme
 * (multi-code-point ones included), any code point (controls, noncharacters, astral planes) and a handful of
 * pieces chosen to sit on boundaries often: astral emoji (a surrogate pair each), ZWJ sequences, flags, a lone
 * combining mark, a byte order mark and characters whose lower case changes length.
 */
const TRICKY_PIECES = ['😀', '🤔', '𝄞', '👩‍👩‍👧', '🇯🇵', 'e\u0301', '\u0301', '\u200d', '\ufeff', 'İ', 'ß', '天', '\u0000']

const unicodeUnit = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY_PIECES) },
)

/** A string of up to `maxLength` units, each a grapheme, a code point or one of the tricky pieces above. */
export function unicodeText(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  return fc.string({ unit: unicodeUnit, ...constraints })
}
