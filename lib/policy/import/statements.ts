import nlp from 'compromise';
import { looksLikeCategoryName, TABLE_HEADINGS } from './categoryNames';
import type { DocumentSection } from './documentSections';

/** One retention statement: a sentence, or the part of one that sets one rule. */
export interface RetentionStatement {
  /** The document's own words, verbatim. */
  text: string;
  /** The whole sentence it comes from. */
  sentence: string;
  /** Names of the categories it governs: named in it, by its table row, or by "such data". */
  categories: string[];
  /** The block (table row, paragraph, list item) it belongs to: its statements are read together. */
  block: number;
}

/** Words that make a sentence speak of retention at all. */
export const RETENTION_SIGNAL =
  /\b(retain\w*|retention|keep|keeps|kept|stor(?:e|ed|es|ing)|delet\w*|eras\w*|remov\w*|destroy\w*|purg\w*|anonymi[sz]\w*|saved|held|holds?)\b/i;
/** "such data", "this information", "it": a sentence that speaks of the categories before it. */
const REFERS_BACK = /\b(such|this|these|those|the above|said) (data|information|logs?|records?)\b|\b(it|they|them)\b/i;
/** Where one sentence holds two rules: "…, but may retain …", "…, otherwise, …", "…; …", "… and within 30 days …". */
const PART_BREAK = /\s*;\s*|,?\s+\b(?:but|otherwise|however|except that)\b,?\s+|\s+and\s+(?=(?:will be |is |are |be )?(?:within|after|deleted|erased|removed|destroyed)\b)/i;

/** A part that names a period, e.g. "within 30 days after account closure". */
const PERIOD_PART = /^(?:within|after|for|no later than)\b[^.;]*\b(?:days?|weeks?|months?|years?)\b/i;

/**
 * The category names a text mentions, in order of appearance, the longest name
 * first where names overlap ("Data" inside "Usage Data").
 *
 * @example
 * namesIn('For Log Data and Monitoring Data, …', ['Log Data', 'Monitoring Data']) // ['Log Data', 'Monitoring Data']
 */
export function namesIn(text: string, names: readonly string[]): string[] {
  const taken: { name: string; start: number; end: number }[] = [];
  for (const name of [...names].sort((a, b) => b.length - a.length)) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
    for (const match of text.matchAll(new RegExp(`\\b${escaped}\\b`, 'gi'))) {
      const start = match.index;
      const end = start + match[0].length;
      if (!taken.some((other) => start < other.end && other.start < end)) taken.push({ name, start, end });
    }
  }
  return [...new Set(taken.sort((a, b) => a.start - b.start).map((entry) => entry.name))];
}

/** A table row's heading: category names only ("Log Data", "A, B and C"), else null. */
function rowHeading(text: string, names: readonly string[]): string[] | null {
  const found = namesIn(text, names);
  let rest = text;
  for (const name of found) rest = rest.replace(new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'), '');
  if (found.length > 0 && /^[\s,;&:.]*(?:(?:and|or)[\s,;&:.]*)*$/i.test(rest)) return found;
  const bare = text.trim().replace(/[:.]$/, '');
  return looksLikeCategoryName(bare, false) ? [bare] : null;
}

function sentencesOf(text: string): string[] {
  return (nlp(text).sentences().out('array') as string[]).map((sentence) => sentence.trim()).filter(Boolean);
}

/**
 * Splits the DATA RETENTION section into statements. A table ("Category |
 * Retention Policy", as cells or as alternating lines) gives each row's words
 * its categories; a sentence names its own ("For Configuration Data and …") or
 * speaks of the sentence before ("such data"). `names` are the categories known
 * so far; a row naming an unknown category is reported through `onNewCategory`.
 *
 * @example
 * splitStatements(section, ['Log Data']).map((statement) => statement.text) // ['Stored for 7 days.']
 */
export function splitStatements(section: DocumentSection, names: string[], onNewCategory: (name: string) => void = () => {}): RetentionStatement[] {
  const statements: RetentionStatement[] = [];
  let row: string[] | null = null;
  let block = 0;
  const heading = (text: string): string[] | null => {
    const found = rowHeading(text, names);
    for (const name of found ?? []) {
      if (!names.includes(name)) {
        names.push(name);
        onNewCategory(name);
      }
    }
    return found;
  };
  const addBlock = (text: string, rowCategories: string[] | null) => {
    block += 1;
    let previous: string[] = rowCategories ?? [];
    for (const sentence of sentencesOf(text)) {
      const named = namesIn(sentence, names);
      const categories = named.length > 0 ? named : rowCategories ?? (REFERS_BACK.test(sentence) ? previous : []);
      previous = categories;
      for (const part of sentence.split(PART_BREAK)) {
        const trimmed = part.trim();
        // "Deleted within 7 days after X and within 30 days after Y": the second part's verb is the sentence's.
        if (trimmed && (RETENTION_SIGNAL.test(trimmed) || (RETENTION_SIGNAL.test(sentence) && PERIOD_PART.test(trimmed)))) statements.push({ text: trimmed, sentence, categories, block });
        else if (trimmed && findsEventOnly(trimmed)) statements.push({ text: trimmed, sentence, categories, block });
      }
    }
  };
  for (const line of section.lines) {
    // Column headings ("Retention Policy") and lead-ins ("… in accordance with the following:") state no rule.
    if (TABLE_HEADINGS.test(line.text) || /:\s*$/.test(line.text)) continue;
    if (line.cells) {
      const categories = line.cells.length > 1 ? heading(line.cells[0]!) : null;
      if (categories) addBlock(line.cells.slice(1).join(' '), categories);
      continue;
    }
    const colon = line.text.indexOf(':');
    const prefix = colon > 0 ? line.text.slice(0, colon) : line.text;
    const rest = colon > 0 ? line.text.slice(colon + 1) : '';
    const categories = prefix.length <= 200 ? heading(prefix) : null;
    if (categories && !RETENTION_SIGNAL.test(rest)) {
      // A row heading; the row's words are the next line.
      row = categories;
      continue;
    }
    if (categories) addBlock(line.text, categories);
    else addBlock(line.text, row);
    row = null;
  }
  return statements;
}

/** "if you withdraw consent (…)": a criterion naming only an ending event still matters. */
function findsEventOnly(text: string): boolean {
  return /\bwithdraw\w* (?:your |their )?consent\b/i.test(text);
}
