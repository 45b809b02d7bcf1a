/**
 * Characters that must not leave the process raw: C0 controls (NUL, ESC, CR, LF, TAB…),
 * DEL, C1 controls (U+0080–U+009F, which some terminals read as CSI/OSC), the bidi
 * marks, embeddings, overrides and isolates (U+061C, U+200E–U+200F, U+202A–U+202E,
 * U+2066–U+2069: "Trojan Source" reordering) and the Unicode line and paragraph
 * separators (U+2028–U+2029). An ANSI or OSC sequence needs ESC (or a C1 control), so
 * escaping these is enough to keep `\u001b[2J` or an OSC 8 hyperlink off a terminal.
 */
const UNSAFE_CLASS = '[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]';
const HAS_UNSAFE = new RegExp(UNSAFE_CLASS);
const UNSAFE = new RegExp(UNSAFE_CLASS, 'g');

export interface PrintableOptions {
  /** Characters of the set above that the output may carry raw, e.g. `'\n'` for multi-line text. */
  allow?: string;
}

const hex = (code: number, width: number) => code.toString(16).padStart(width, '0');

/** The visible stand-in: `\x1b` for a control, `\u202e` for a bidi or separator character. */
const escape = (char: string) => {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
};

/**
 * Text from outside (inventory fields, file names, error messages, waiver ids) made
 * safe to print, to write into a CSV cell or to put into a mail: every control,
 * bidi or line-separator character becomes a visible escape, so it can neither
 * drive a terminal nor start a header line, and the reader sees that it was there.
 *
 * @example
 * printable('snap\u001b]8;;http://evil\u0007x') // 'snap\\x1b]8;;http://evil\\x07x'
 * printable('two\nlines') // 'two\\x0alines'
 * printable('two\nlines', { allow: '\n' }) // 'two\nlines'
 */
export function printable(text: string, options: PrintableOptions = {}): string {
  const allow = options.allow ?? '';
  if (!HAS_UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (char) => (allow.includes(char) ? char : escape(char)));
}

/**
 * A copy of `value` in which every string (at any depth of arrays and plain
 * objects) went through {@link printable}; other values are kept as they are.
 *
 * @example
 * printableDeep({ ids: ['a\u001b[2J'], count: 2 }) // { ids: ['a\\x1b[2J'], count: 2 }
 */
export function printableDeep<T>(value: T, options: PrintableOptions = {}): T {
  if (typeof value === 'string') return printable(value, options) as T;
  if (Array.isArray(value)) return value.map((entry) => printableDeep(entry, options)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, printableDeep(entry, options)])) as T;
  }
  return value;
}
