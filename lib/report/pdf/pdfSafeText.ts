import { printable } from '../../text/printable';

/**
 * How many characters (UTF-16 code units) each kind of text may fill in the PDF;
 * longer text is cut and ends in "…" (the JSON and CSV reports hold it whole).
 */
export const TEXT_LIMITS = {
  /** An identifier: tenant, item, module, data category, snapshot, run or waiver id, approver, a date. */
  id: 120,
  /** A few identifiers together or a short line: "module / data category", a store with its region, a heading, the inventory source. */
  label: 240,
  /** Sentences that come with the data: reasons, warnings, a waiver's reason, a legal hold. */
  prose: 600,
  /** Our own sentences and the policy documents' words (the catalog is checked when it is loaded). */
  document: 2000,
} as const;

export type TextKind = keyof typeof TEXT_LIMITS;

const ELLIPSIS = '…';
/** Tabs and line breaks are layout, not content: a table cell or a heading is one paragraph. */
const LAYOUT_BREAKS = /[\t\n\r]+/g;
/** Half of a surrogate pair without its other half (a cut or malformed UTF-16). */
const LONE_SURROGATE = /\p{Surrogate}/gu;

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** The first `length` code units of `text`, never ending in half of a surrogate pair. */
function head(text: string, length: number): string {
  if (text.length <= length) return text;
  const end = isHighSurrogate(text.charCodeAt(length - 1)) ? length - 1 : length;
  return text.slice(0, end);
}

/** Printable ASCII only: nothing to clean (the common case, checked first because the PDF model cleans every row it keeps). */
const PLAIN = /^[\x20-\x7e]*$/;

/** Controls and bidi characters become visible escapes (as in the CSV and on the terminal); broken UTF-16 becomes U+FFFD. */
function clean(text: string): string {
  if (PLAIN.test(text)) return text;
  return printable(text.replace(LAYOUT_BREAKS, ' ')).replace(LONE_SURROGATE, '\uFFFD').normalize('NFC');
}

/**
 * The one gate of every string the PDF draws or measures: cut to the limit of its
 * kind first (so layout time does not grow with the string), then cleaned: tabs and
 * line breaks become spaces, other C0 and C1 controls (NUL, ESC…), the bidi
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the line separators
 * become visible escapes such as `\x1b`, and a lone surrogate becomes U+FFFD.
 * The result is at most `TEXT_LIMITS[kind]` long and ends in "…" when something was
 * cut; applying it twice changes nothing.
 *
 * @example
 * pdfSafeText('t'.repeat(1_000_000), 'id') // 't'.repeat(119) + '…'
 * pdfSafeText('evil\u001b[2J\u202Eexe.txt', 'id') // 'evil\\x1b[2J\\u202eexe.txt'
 * pdfSafeText('two\nlines', 'prose') // 'two lines'
 */
export function pdfSafeText(text: string, kind: TextKind): string {
  const limit = TEXT_LIMITS[kind];
  const cut = text.length > limit;
  // Only the head is ever looked at: the work is bounded by the limit, not by the text.
  const cleaned = clean(cut ? head(text, limit) : text);
  if (!cut && cleaned.length <= limit) return cleaned;
  return `${head(cleaned, limit - ELLIPSIS.length)}${ELLIPSIS}`;
}
