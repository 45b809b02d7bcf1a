import nlp from 'compromise';
import { InputError } from '../../errors';
import type { Period } from '../../time';
import { describePeriod } from '../../time';
import { kebabCase } from './categoryNames';
import { appliesToModule, draftCategory, extractCategories, type DraftCategory } from './categories';
import { retentionSection, splitSections } from './documentSections';
import { findEvents, type FoundEvent } from './events';
import { describeRule, writeClauses, type DraftClause, type ReadClause } from './buildClauses';
import { parseStatement, untilEventCheck, type ParsedRule } from './parseStatement';
import { RETENTION_SIGNAL, splitStatements, type RetentionStatement } from './statements';

export interface DraftOptions {
  /** The module id (kebab-case), also the rule file's name. */
  moduleId: string;
  /** The module's name; default: the document's own spelling of the id. */
  name?: string;
  /** The source's file name under `<policies>/sources/`. */
  source: string;
  sourceSha256: string;
}

/** The drafted rule file, in the shape lib/catalog/loadCatalog.ts loads. */
export interface DraftRuleFile {
  module: string;
  name: string;
  source: string;
  sourceSha256: string;
  events?: Record<string, { name: string }>;
  categories: Record<string, { name: string; sensitivity: 'personal' | 'special'; specialCategory?: string }>;
  clauses: DraftClause[];
}

/** One line of the review table: what was drafted for a category and what a person must check. */
export interface ReviewRow {
  category: string;
  sensitivity: string;
  rule: string;
  confidence: string;
  check: string;
}

export interface Draft {
  ruleFile: DraftRuleFile;
  rows: ReviewRow[];
}

/**
 * The module's name as the document spells it ("Intelligent Pre-Consultation"
 * for `intelligent-pre-consultation`), preferring a spelling not in capitals.
 */
export function moduleNameOf(document: string, moduleId: string): string | null {
  const tokens = document.split(/\s+/).map((token) => token.replace(/^[“"(‘']+|[”")’',.;:]+$/g, ''));
  let shouted: string | null = null;
  for (let start = 0; start < tokens.length; start += 1) {
    for (let length = 1; length <= 6 && start + length <= tokens.length; length += 1) {
      const words = tokens.slice(start, start + length).join(' ');
      if (kebabCase(words) !== moduleId) continue;
      if (words !== words.toUpperCase()) return words;
      shouted ??= words;
    }
  }
  return shouted;
}

/** Categories whose legal basis is consent ("For health data, we rely on consent."). */
function consentCategories(document: string, categories: readonly DraftCategory[]): DraftCategory[] {
  const sentences = (nlp(document).sentences().out('array') as string[]).filter((sentence) =>
    /\brel(?:y|ies|ied) on (?:your |their )?consent\b|\bbased on (?:your |their )?consent\b|\bconsent as (?:the|our) (?:legal|lawful) basis\b/i.test(sentence),
  );
  return categories.filter((category) =>
    sentences.some(
      (sentence) =>
        new RegExp(`\\b${category.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(sentence) ||
        (category.specialCategory !== undefined && new RegExp(`\\b${category.specialCategory} data\\b`, 'i').test(sentence)),
    ),
  );
}

/** Within one statement, an "until the event" reading gives way to a period the statement sets for the same event. */
function dropCoveredEvents(read: ReadClause[]): ReadClause[] {
  return read.flatMap((clause) => {
    if (clause.rule.kind !== 'until-event') return [clause];
    const covered = new Set(
      read
        .filter((other) => other.block === clause.block && other.rule.kind === 'event-bound')
        .filter((other) => other.categories.some((category) => clause.categories.includes(category)))
        .flatMap((other) => ('events' in other.rule ? other.rule.events.map((event) => event.name) : [])),
    );
    const events = clause.rule.events.filter((event) => !covered.has(event.name));
    if (events.length === 0) return [];
    return [{ ...clause, rule: { ...clause.rule, events, check: untilEventCheck(events) } }];
  });
}

/**
 * A rule that makes its block's period rules too strict for some items (a longer
 * period for one purpose that no kind can hold) lowers their confidence and says why.
 */
function flagSiblings(read: ReadClause[]): ReadClause[] {
  return read.map((clause) => {
    if (!['fixed-period', 'event-bound', 'until-event'].includes(clause.rule.kind)) return clause;
    const checks = read
      .filter((other) => other.block === clause.block && other.rule.siblingCheck && other.categories.some((category) => clause.categories.includes(category)))
      .map((other) => other.rule.siblingCheck!);
    if (checks.length === 0) return clause;
    const check = [clause.rule.check, ...checks].filter(Boolean).join('; ');
    return { ...clause, rule: { ...clause.rule, confidence: clause.rule.confidence === 'high' ? 'medium' : clause.rule.confidence, check } };
  });
}

/**
 * Drafts a rule file from a privacy-policy module's text: its categories, one
 * clause per retention statement with its confidence, and the review table.
 * Pure: the caller reads and writes the files.
 *
 * @example
 * draftRuleFile(text, { moduleId: 'instant-messaging', source: '003.txt', sourceSha256 }).ruleFile.clauses[0].kind // 'fixed-period'
 */
export function draftRuleFile(document: string, options: DraftOptions): Draft {
  const sections = splitSections(document);
  const retention = retentionSection(sections);
  if (!retention) throw new InputError(`The document ${options.source} has no DATA RETENTION section, so there is nothing to draft.`);
  const name = options.name ?? moduleNameOf(document, options.moduleId) ?? options.moduleId;

  const all = extractCategories(sections);
  const names = all.map((category) => category.name);
  const statements = splitStatements(retention, names, (found) => all.push(draftCategory(found, '')));
  const own = all.filter((category) => appliesToModule(category, name));
  const idOfName = new Map(all.map((category) => [category.name.toLowerCase(), category.id]));
  const ownIds = new Set(own.map((category) => category.id));
  if (own.length === 0) throw new InputError(`No data category could be found in ${options.source}: name them in a table or a "Name: details" list.`);

  const read: ReadClause[] = [];
  const general: { statement: RetentionStatement; rule: ParsedRule }[] = [];
  statements.forEach((statement, index) => {
    const rules = parseStatement(statement.text);
    const categories = [...new Set(statement.categories.map((found) => idOfName.get(found.toLowerCase())!))].filter((id) => ownIds.has(id));
    const text = statement.text.replace(/[\s,;]+$/, '');
    if (statement.categories.length === 0) general.push(...rules.map((rule) => ({ statement: { ...statement, text }, rule })));
    else if (categories.length > 0) read.push(...rules.map((rule) => ({ rule, categories, text, block: statement.block, statement: index })));
  });
  const clauses = flagSiblings(dropCoveredEvents(read));
  addConsentWithdrawal(clauses, general, consentCategories(document, own));

  const generalText = general.find(({ statement }) => RETENTION_SIGNAL.test(statement.text))?.statement.sentence ?? retention.heading;
  for (const category of own) {
    if (clauses.some((clause) => clause.categories.includes(category.id))) continue;
    clauses.push({
      rule: { kind: 'review', confidence: 'low', check: `no retention period for ${category.name}: decide how long it may be kept` },
      categories: [category.id],
      text: generalText,
      context: `${category.name} is listed in the document but its ${retention.heading} section names no retention period for it.`,
      block: -1,
      statement: -1,
    });
  }

  const written = writeClauses(clauses, retention.heading);
  const declared = new Map<string, string>();
  for (const clause of clauses) for (const event of 'events' in clause.rule ? clause.rule.events : []) if (event.declared) declared.set(event.name, event.declared);
  const ruleFile: DraftRuleFile = {
    module: options.moduleId,
    name,
    source: options.source,
    sourceSha256: options.sourceSha256,
    ...(declared.size > 0 ? { events: Object.fromEntries([...declared].map(([event, words]) => [event, { name: words }])) } : {}),
    categories: Object.fromEntries(
      own.map((category) => [
        category.id,
        { name: category.name, sensitivity: category.sensitivity, ...(category.specialCategory ? { specialCategory: category.specialCategory } : {}) },
      ]),
    ),
    clauses: written,
  };
  return { ruleFile, rows: reviewRows(own, clauses, general) };
}

/**
 * Where consent is the legal basis and the section lets its withdrawal end
 * retention, the category gets consent withdrawal as one more ending event,
 * with the period of its other ending events (CONTRACT section 3).
 */
function addConsentWithdrawal(clauses: ReadClause[], general: { statement: RetentionStatement; rule: ParsedRule }[], consent: DraftCategory[]): void {
  const withdrawal = general.find(({ statement }) => findEvents(statement.text).some((event) => event.name === 'consentWithdrawnAt'));
  if (!withdrawal) return;
  const event: FoundEvent = { name: 'consentWithdrawnAt', index: 0, words: '' };
  for (const category of consent) {
    const mine = clauses.filter((clause) => clause.categories.includes(category.id));
    if (mine.some((clause) => 'events' in clause.rule && clause.rule.events.some((found) => found.name === 'consentWithdrawnAt'))) continue;
    const periods = new Map<string, Period>();
    for (const clause of mine) if (clause.rule.kind === 'event-bound') periods.set(describePeriod(clause.rule.period), clause.rule.period);
    const context = `Consent is the legal basis for ${category.name}.`;
    const [period] = [...periods.values()];
    const rule: ParsedRule =
      periods.size === 1
        ? { kind: 'event-bound', period: period!, events: [event], confidence: 'medium', check: `consent withdrawal added with the period of the category's other ending events (${describePeriod(period!)})` }
        : { kind: 'until-event', events: [event], confidence: 'medium', check: 'consent withdrawal added with the grace period: the category has no single period for its other ending events' };
    clauses.push({ rule, categories: [category.id], text: withdrawal.statement.text, context, block: -1, statement: -1 });
  }
}

function reviewRows(categories: readonly DraftCategory[], clauses: readonly ReadClause[], general: { statement: RetentionStatement; rule: ParsedRule }[]): ReviewRow[] {
  const rows: ReviewRow[] = [];
  for (const category of categories) {
    const sensitivity = `${category.sensitivity}${category.specialCategory ? ` (${category.specialCategory})` : ''}: confirm`;
    for (const clause of clauses.filter((candidate) => candidate.categories.includes(category.id))) {
      rows.push({ category: category.name, sensitivity, rule: describeRule(clause.rule), confidence: clause.rule.confidence, check: clause.rule.check ?? '' });
    }
  }
  for (const { statement, rule } of general) {
    {
      rows.push({
        category: '(no category named)',
        sensitivity: '',
        rule: `not drafted (reads as ${describeRule(rule)})`,
        confidence: 'low',
        check: `"${statement.text.slice(0, 80)}${statement.text.length > 80 ? '…' : ''}": names no category; add a clause if it binds`,
      });
    }
  }
  return rows;
}
