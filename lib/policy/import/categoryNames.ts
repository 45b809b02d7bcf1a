/**
 * Recognising the name of a data category in a line of a policy document:
 * "Log Data: public network exit IP…", "Error log (including …)", a table cell
 * "Configuration Data", or "End User Device Information Data about device…"
 * where name and details share a line.
 */

/** The last word of a data category's name ("Log Data", "Face features", "Error log"). */
const HEAD_NOUNS = new Set(
  'data information info log logs features records recordings details identifiers images photos videos content contents metadata history messages files profile profiles credentials cookies address addresses numbers biometrics templates location locations preferences tickets transcripts reports invoices receipts statistics'.split(
    ' ',
  ),
);
/** Small words a Title Case name may hold in lower case. */
const MINOR_WORDS = new Set(['and', 'of', 'or', 'the', 'for', 'in', 'to', 'on', 'a', 'an', '&']);
/** Column headings of the documents' tables: never a category. */
export const TABLE_HEADINGS =
  /^((personal (data|information)|data categor(y|ies)|categor(y|ies)( of (personal )?data)?|type of (personal )?data|details|use|legal basis|purpose|retention( policy| period)?)\s*)+$/i;

function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

function isHeadNoun(word: string): boolean {
  return HEAD_NOUNS.has(word.toLowerCase().replace(/[^a-z]/g, ''));
}

function isTitleWord(word: string): boolean {
  return /^[A-Z0-9]/.test(word) || MINOR_WORDS.has(word);
}

/**
 * Whether a short phrase reads as a category name: at most 8 words of letters,
 * starting with a capital and ending with a head noun; `titleCase` also asks
 * every significant word to start with a capital.
 *
 * @example
 * looksLikeCategoryName('Diagnostic and Usage Data', true) // true
 */
export function looksLikeCategoryName(phrase: string, titleCase: boolean): boolean {
  const list = words(phrase);
  if (list.length === 0 || list.length > 8 || TABLE_HEADINGS.test(phrase)) return false;
  if (!/^[A-Z]/.test(phrase) || !isHeadNoun(list.at(-1)!)) return false;
  if (!list.every((word) => /^[A-Za-z][A-Za-z'’-]*$/.test(word) || word === '&')) return false;
  return !titleCase || list.every(isTitleWord);
}

/**
 * The category name a line starts with, if any, and the rest of the line.
 *
 * @example
 * categoryNameOf('Log Data: public network exit IP') // { name: 'Log Data', rest: 'public network exit IP' }
 * categoryNameOf('Billing Data Information relating to billing') // { name: 'Billing Data', rest: 'Information relating to billing' }
 */
export function categoryNameOf(line: string): { name: string; rest: string } | null {
  const text = line.trim().replace(/[;,.]$/, '');
  // "Name: details" or "Name (including …)": the delimiter makes sentence case ("Error log") safe.
  const delimited = /^([A-Z][^:()]{0,60}?)\s*(?::|\()\s*(.*)$/.exec(line.trim());
  if (delimited && looksLikeCategoryName(delimited[1]!, false)) return { name: delimited[1]!, rest: delimited[2]! };
  if (looksLikeCategoryName(text, true)) return { name: text, rest: '' };
  // "End User Device Information Data about device…": the shortest Title Case prefix
  // ending with a head noun, followed by a capitalised word that starts the details.
  const list = words(text);
  if (TABLE_HEADINGS.test(list.slice(0, 2).join(' '))) return null;
  for (let end = 2; end < list.length && end <= 8; end += 1) {
    const prefix = list.slice(0, end);
    if (!prefix.every(isTitleWord) || !/^[A-Z]/.test(prefix[0]!)) break;
    if (isHeadNoun(prefix.at(-1)!) && /^[A-Z]/.test(list[end]!) && !/[.,;:]$/.test(prefix.at(-1)!)) {
      const name = prefix.join(' ');
      if (looksLikeCategoryName(name, true)) return { name, rest: list.slice(end).join(' ') };
    }
  }
  return null;
}

/**
 * The id of a category or module: lower-case kebab-case of its name (CONTRACT section 1).
 *
 * @example
 * kebabCase('User Interaction and Application Data') // 'user-interaction-and-application-data'
 */
export function kebabCase(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
