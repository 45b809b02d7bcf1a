import { describePeriod, type Period } from '../../time';
import { eventWords, listEventWords as listWords } from './events';
import { kebabCase } from './categoryNames';
import type { Confidence, ParsedRule } from './parseStatement';

/** A clause of the drafted rule file, as it is written (CONTRACT rule-file shape plus `confidence` and `check`). */
export interface DraftClause {
  id: string;
  kind: string;
  categories: string[];
  period?: Period;
  events?: string[];
  maxBytes?: number;
  purpose?: string;
  supersedes?: string[];
  section: string;
  text: string;
  context?: string;
  confidence: Confidence;
  check?: string;
}

/** A statement read as a rule, with where it stands; its id comes later. */
export interface ReadClause {
  rule: ParsedRule;
  categories: string[];
  text: string;
  context?: string;
  block: number;
  /** The statement it was read from (-1: added by the importer): its rules are read together. */
  statement: number;
}

/** "30 days after", or "immediately upon" for a zero period. */
function periodAfter(period: Period): string {
  return 'days' in period && period.days === 0 ? 'immediately upon' : `${describePeriod(period)} after`;
}

/**
 * The rule in a few words, for the review table.
 *
 * @example
 * describeRule({ kind: 'fixed-period', period: { days: 7 }, confidence: 'high' }) // 'fixed-period: 7 days'
 */
export function describeRule(rule: ParsedRule): string {
  switch (rule.kind) {
    case 'fixed-period':
      return `fixed-period: ${describePeriod(rule.period)}`;
    case 'event-bound':
      return `event-bound: ${periodAfter(rule.period)} ${listWords(rule.events)}`;
    case 'until-event':
      return `until-event: grace period after ${listWords(rule.events)}`;
    case 'customer-defined':
      return 'customer-defined: the period the customer set';
    case 'size-cap':
      return `size-cap: ${rule.maxBytes} bytes`;
    case 'purpose-extension':
      return `purpose-extension: "${rule.purpose}" until ${listWords(rule.events)}`;
    case 'review':
      return 'review: a person decides';
  }
}

function idWords(rule: ParsedRule): string {
  switch (rule.kind) {
    case 'fixed-period':
      return describePeriod(rule.period);
    case 'event-bound':
      return `${periodAfter(rule.period)} ${eventWords(rule.events[0]!)}`;
    case 'until-event':
      return `until ${eventWords(rule.events[0]!)}`;
    case 'customer-defined':
      return 'customer defined';
    case 'size-cap':
      return `size cap`;
    case 'purpose-extension':
      return `${rule.purpose} purpose`;
    case 'review':
      return 'review';
  }
}

/**
 * Gives each read clause a unique id (kebab-case of what it says, prefixed with
 * its first category where two would collide) and writes it in rule-file form.
 */
export function writeClauses(read: readonly ReadClause[], section: string): DraftClause[] {
  const used = new Set<string>();
  const ids = read.map((clause) => {
    const words = kebabCase(idWords(clause.rule));
    let id = used.has(words) || clause.rule.kind === 'review' ? `${clause.categories[0]}-${words}` : words;
    for (let n = 2; used.has(id); n += 1) id = `${kebabCase(`${clause.categories[0]} ${idWords(clause.rule)}`)}-${n}`;
    used.add(id);
    return id;
  });
  return read.map((clause, index) => {
    const { rule } = clause;
    const events = 'events' in rule ? [...new Set(rule.events.map((event) => event.name))] : undefined;
    const supersedes = rule.kind === 'purpose-extension' ? supersededBy(read, index, ids) : rule.supersedesSiblings ? siblingsOf(read, index, ids) : undefined;
    return {
      id: ids[index]!,
      kind: rule.kind,
      categories: clause.categories,
      ...('period' in rule ? { period: rule.period } : {}),
      ...(events ? { events } : {}),
      ...(rule.kind === 'size-cap' ? { maxBytes: rule.maxBytes } : {}),
      ...(rule.kind === 'purpose-extension' ? { purpose: rule.purpose } : {}),
      ...(supersedes && supersedes.length > 0 ? { supersedes } : {}),
      section,
      text: clause.text,
      ...(clause.context ? { context: clause.context } : {}),
      confidence: rule.confidence,
      ...(rule.check ? { check: rule.check } : {}),
    };
  });
}

/** A purpose extension replaces the period rules of its own statement for the same categories. */
function supersededBy(read: readonly ReadClause[], index: number, ids: readonly string[]): string[] {
  const own = read[index]!;
  return read.flatMap((other, position) =>
    position !== index &&
    other.block === own.block &&
    ['fixed-period', 'event-bound', 'until-event'].includes(other.rule.kind) &&
    other.categories.some((category) => own.categories.includes(category))
      ? [ids[position]!]
      : [],
  );
}

/** The other clauses read from the same statement (a customer's period replaces the statement's default). */
function siblingsOf(read: readonly ReadClause[], index: number, ids: readonly string[]): string[] {
  const own = read[index]!;
  return read.flatMap((other, position) => (position !== index && other.statement === own.statement && own.statement >= 0 ? [ids[position]!] : []));
}
