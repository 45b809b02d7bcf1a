import nlp from 'compromise';
import type { Period } from '../../time';

/** A length of time the document names, where it stands in the text. */
export interface FoundPeriod {
  /** The words, e.g. "fifteen days". */
  words: string;
  /** Null when the words name no exact number ("several days", "a few months"). */
  period: Period | null;
  /** Why the period cannot be used as it stands (vague, business days), else undefined. */
  problem?: string;
  index: number;
}

const UNIT = /\b(business |working |calendar )?(day|week|month|year)s?\b/gi;
/** Number words compromise reads as a number but that name none exactly. */
const VAGUE = /\b(few|several|couple|some|many|number of|multiple)\b/i;
const ARTICLE = /\b(a|an|one)$/i;

/**
 * The number that ends `before` (digits, or words read by compromise:
 * "fifteen", "one hundred and eighty"), with the words it spans.
 */
function numberBefore(before: string): { value: number; words: string } | { vague: string } | null {
  // "two (2) years": the digits confirm the words; words and digits that disagree name no number.
  const paren = /\((\d+)\)\s*$/.exec(before);
  if (paren) {
    const value = Number(paren[1]);
    const spelled = numberBefore(before.slice(0, paren.index));
    const words = before.slice(spelled && 'words' in spelled ? before.slice(0, paren.index).trimEnd().length - spelled.words.length : paren.index).trim();
    if (spelled && 'value' in spelled && spelled.value !== value) return { vague: words };
    return { value, words };
  }
  const digits = /(\d+)\s*-?\s*$/.exec(before);
  if (digits) return { value: Number(digits[1]), words: digits[1]! };
  const tail = before.split(/\s+/).slice(-6).join(' ');
  const vague = /\b((?:a )?(?:few|several|couple of|some|many|number of|multiple))\s*$/i.exec(tail);
  if (vague) return { vague: vague[1]! };
  const numbers = nlp(tail).numbers();
  const last = numbers.eq(numbers.length - 1);
  const text = (last.text() as string).trim();
  if (text && tail.trimEnd().endsWith(text) && !VAGUE.test(text)) {
    const [value] = (last as unknown as { get(): unknown[] }).get();
    if (typeof value === 'number' && Number.isInteger(value)) return { value, words: text };
  }
  if (ARTICLE.test(tail.trimEnd())) return { value: 1, words: ARTICLE.exec(tail.trimEnd())![0] };
  return null;
}

/**
 * Every period a text names, in order: "7 days", "fifteen days", "12 months",
 * "one year" (12 months), "2 weeks" (14 days), "a 30-day period". Years are
 * counted as 12 calendar months and weeks as 7 days (CONTRACT section 3).
 *
 * @example
 * findPeriods('deleted within fifteen days')[0].period // { days: 15 }
 */
export function findPeriods(text: string): FoundPeriod[] {
  const found: FoundPeriod[] = [];
  for (const match of text.matchAll(UNIT)) {
    const index = match.index!;
    const number = numberBefore(text.slice(Math.max(0, index - 60), index));
    if (number === null) continue;
    const unit = match[2]!.toLowerCase();
    if ('vague' in number) {
      found.push({ words: `${number.vague} ${match[0]}`, period: null, problem: `"${number.vague} ${match[0]}" names no exact number`, index });
      continue;
    }
    const words = `${number.words} ${match[0]}`.replace(/\s+/g, ' ');
    const before = text.slice(0, index).replace(/[\s-]*$/, '');
    const lead = before.slice(0, before.length - number.words.length);
    if (/\b(between|from)\s+\S+\s*$|\d+\s*(to|and|or|-|–)\s*$/i.test(lead) || /\b(between|from)\s+\S+\s+(to|and)\s*$/i.test(lead)) {
      found.push({ words, period: null, problem: `"${lead.trim().split(/\s+/).slice(-3).join(' ')} ${words}" is a range, not one period`, index });
      continue;
    }
    if (match[1] && !/calendar/i.test(match[1])) {
      found.push({ words, period: null, problem: `"${words}" are not whole days of 24 hours`, index });
    } else if (number.value <= 0) {
      found.push({ words, period: null, problem: `"${words}" is no period`, index });
    } else {
      const period: Period =
        unit === 'day' ? { days: number.value } : unit === 'week' ? { days: 7 * number.value } : unit === 'month' ? { months: number.value } : { months: 12 * number.value };
      found.push({ words, period, index });
    }
  }
  return found;
}

const SIZE = /(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB|kilobytes?|megabytes?|gigabytes?|terabytes?)\b/i;
const POWERS: Record<string, number> = { k: 1, m: 2, g: 3, t: 4 };

/**
 * A size cap ("after storage space reaches 2GB"): its bytes, binary units
 * (2GB = 2 GiB, CONTRACT section 3).
 *
 * @example
 * findSizeCap('deleted after storage space reaches 2GB') // { bytes: 2147483648, words: '2GB' }
 */
export function findSizeCap(text: string): { bytes: number; words: string } | null {
  const match = SIZE.exec(text);
  if (!match) return null;
  const bytes = Math.round(Number(match[1]) * 1024 ** POWERS[match[2]![0]!.toLowerCase()]!);
  return bytes >= 1 ? { bytes, words: match[0] } : null;
}
