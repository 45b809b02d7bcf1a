import { describePeriod, type Period } from '../../time';
import { findEvents, listEventWords, type FoundEvent } from './events';
import { findPeriods, findSizeCap, type FoundPeriod } from './periods';
import { findQualifiers, HEDGE } from './qualifiers';
import { splitRuleParts, type RulePart } from './ruleParts';

export const CONFIDENCES = ['high', 'medium', 'low'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** What one statement says, as a rule of a kind of the registry (or a question for a person). */
export type ParsedRule = (
  | { kind: 'fixed-period'; period: Period }
  | { kind: 'event-bound'; period: Period; events: FoundEvent[] }
  | { kind: 'until-event'; events: FoundEvent[] }
  | { kind: 'customer-defined' }
  | { kind: 'size-cap'; maxBytes: number }
  | { kind: 'purpose-extension'; purpose: string; events: FoundEvent[] }
  | { kind: 'review' }
) & {
  confidence: Confidence;
  /** What a person must check or decide; always set below high confidence. */
  check?: string;
  /** This rule replaces the other rules of its statement where it applies (a customer's period replacing a default). */
  supersedesSiblings?: boolean;
  /** To add to the period rules of the same block and categories, which this rule makes too strict for some items. */
  siblingCheck?: string;
};

const CUSTOMER_SET =
  /\b(?:determined|set|configured|chosen|specified|defined|selected) by (?:the |our |you, the )?(?:customer|client|you)\b|\bcustomer[- ](?:defined|configured|set)\b|\b(?:you|the customer) (?:can |may )?(?:set|configure|choose|determine|select)s? (?:the |a |your )?(?:retention|storage)/i;
/** "…, unless you configure a different storage period": the period is a default the customer may replace. */
const CUSTOMER_DEFAULT =
  /,?\s*\b(?:unless|except where|except if|until)\s+(?:you|the customer|your administrator|an administrator)\s+(?:configure|set|choose|select|specif(?:y|ies)|define|change|adjust)s?\s+(?:a |an |another |a different |your own |other |the )?(?:different |custom |other |shorter |longer )?(?:storage|retention)(?: period| time| duration)?\b[^.;]*/i;
const PURPOSE = /\blonger\b[^.;]*?\bfor (?:the )?([a-z]+(?: [a-z]+)?) purposes?\b|\bfor (?:the )?([a-z]+) purposes?\b[^.;]*?\blonger\b/i;
/** "Where required for billing purposes, we retain … for up to 12 months": a period that holds for one purpose only. */
const PURPOSE_CONDITION =
  /\b(?:where|if|when|as|to the extent)\s+(?:it is |this is )?(?:required|needed|necessary|used)\s+for\s+(?:the |our )?(?:purposes? of )?([a-z]+)(?: purposes?)?\b|\bfor (?:the )?([a-z]+) purposes? only\b/i;
const MINIMUM = /\b(?:at least|no less than|not less than|a minimum of|minimum)\b/i;
const LATER = /\bwhichever (?:is|comes|happens|occurs) (?:later|last)\b/i;
const FIRST = /\bwhichever (?:is|comes|happens|occurs) (?:first|earlier|earliest|sooner)\b/i;
/** "after your task request", "from collection": the period runs from the record's creation. */
const FROM_CREATION =
  /\b(?:after|from|following|since) (?:the |your |its |their )?(?:task request|requests?|collection|creation|upload|submission|receipt|generation|date (?:of|it was) (?:collection|creation)|(?:it|they|the data) (?:is|are|was|were) (?:collected|created|generated|uploaded|received))\b/i;
/** A period counted from something: "30 days after X", "of X", "following X". */
const COUNTED_FROM = /^\s*(?:after|following|from|of|since|upon|counted from)\s+(?:the |your |its |their |a |an )?([A-Za-z’'-]+(?: [A-Za-z’'-]+){0,3})/i;

/**
 * Whether a document's "immediately" can be drafted as a zero period after its
 * event (event-bound `days: 0`); while no rule kind accepts one, it is `review`.
 */
export const ZERO_PERIOD_DRAFTED = true;

function review(check: string, extra: Partial<ParsedRule> = {}): ParsedRule {
  return { kind: 'review', confidence: 'low', check, ...extra } as ParsedRule;
}

function eventNames(events: readonly FoundEvent[]): string {
  return listEventWords(events);
}

/**
 * Reads one retention statement into the rules it sets: usually one, several
 * where it gives several ("immediately upon withdrawal of consent, and in any
 * case within 30 days after you terminate the Feature"). A statement is drafted
 * only when every word that bears on retention is accounted for by the reading;
 * otherwise it becomes `review` with what a person must decide, never a guessed
 * period. A statement with no rule gives one `review`.
 *
 * @example
 * parseStatement('Stored for 7 days.') // [{ kind: 'fixed-period', period: { days: 7 }, confidence: 'high' }]
 * parseStatement('generally saved for several days') // [{ kind: 'review', confidence: 'low', check: '"several days" names no exact number…' }]
 */
export function parseStatement(text: string): ParsedRule[] {
  const events = findEvents(text);
  const periods = findPeriods(text);
  const usable = periods.filter((found) => found.period !== null);
  const problems = periods.flatMap((found) => (found.problem ? [found.problem] : []));
  const cap = findSizeCap(text);
  const notes: string[] = [];
  const hedge = HEDGE.exec(text);
  if (hedge) notes.push(`"${hedge[0]}": confirm the rule has no exceptions`);

  const purpose = PURPOSE.exec(text);
  if (purpose) {
    const name = (purpose[1] ?? purpose[2])!.toLowerCase();
    if (usable.length > 0) return [purposePeriodReview(name, usable[0]!)];
    if (events.length === 0) return [review(`kept longer for ${name} purposes, but until when? Name the event that ends it`)];
    return [{ kind: 'purpose-extension', purpose: name, events, confidence: 'medium', check: `items kept for "${name}" follow this instead of the statement's other rules, until ${eventNames(events)} plus the grace period` }];
  }
  const forPurpose = PURPOSE_CONDITION.exec(text);
  const withoutPurpose = forPurpose ? text.slice(0, forPurpose.index) + text.slice(forPurpose.index + forPurpose[0].length) : '';
  if (forPurpose && usable.length === 1 && problems.length === 0 && events.length === 0 && findQualifiers(withoutPurpose, [], findPeriods(withoutPurpose)).length === 0) {
    return [purposePeriodReview((forPurpose[1] ?? forPurpose[2])!.toLowerCase(), usable[0]!)];
  }

  const customerDefault = CUSTOMER_DEFAULT.exec(text);
  if (customerDefault) {
    const rest = text.slice(0, customerDefault.index) + text.slice(customerDefault.index + customerDefault[0].length);
    const [rule, ...others] = parseStatement(rest);
    if (rule && others.length === 0 && rule.kind === 'fixed-period' && rule.confidence === 'high') {
      return [rule, { kind: 'customer-defined', confidence: 'high', supersedesSiblings: true }];
    }
    return [review(`the customer may replace the period ("${customerDefault[0].trim()}"), and the rest of the statement is not a plain period: decide the default`)];
  }
  if (CUSTOMER_SET.test(text)) {
    if (usable.length === 0 && problems.length === 0 && events.length === 0) {
      return [{ kind: 'customer-defined', confidence: notes.length > 0 ? 'medium' : 'high', ...(notes.length > 0 ? { check: notes.join('; ') } : {}) }];
    }
    return [review('the customer sets the period, and the statement also names periods or events: decide which applies when')];
  }
  if (LATER.test(text)) return [review('"whichever is later" cannot be drafted: decide the deadline')];
  if (cap) {
    const extra = problems.length > 0 ? `; also says ${problems.join(', ')}: not drafted` : usable.length > 0 ? '; also names a period: not drafted, add it if it binds' : '';
    return [{ kind: 'size-cap', maxBytes: cap.bytes, confidence: extra ? 'medium' : 'high', ...(extra ? { check: `size cap ${cap.words} read as binary units${extra}` } : {}) }];
  }
  if (problems.length > 0) return [review(`${problems.join('; ')}: decide the period`)];
  if (usable.length > 0 && MINIMUM.test(text)) return [review(`"${usable[0]!.words}" is a minimum, not a deadline: decide the maximum`)];

  const other = events.find((event) => event.otherAccount);
  if (other) return [review(`counted from the deletion of "${other.otherAccount}", not of the customer's account (accountDeletedAt): decide which recorded event stands for it, or declare one`)];

  const parts = splitRuleParts(text, usable, events);
  if (typeof parts === 'string') return [review(parts)];
  const unaccounted = findQualifiers(text, events, periods).filter(({ qualifier }) => !(qualifier.splitAccounts && parts.length > 1));
  if (unaccounted.length > 0) {
    return [review(unaccounted.map(({ qualifier, words }) => `${qualifier.what} ("${words}"): ${qualifier.decide}`).join('; '))];
  }
  const fromNothing = parts.filter((part) => part.events.length === 0 && part.anchor.type === 'period');
  if (fromNothing.length > 1) {
    const distinct = new Set(fromNothing.map((part) => describePeriod((part.anchor as { period: Period }).period)));
    return [review(`several periods (${[...distinct].join(', ')}): decide which applies to what`)];
  }
  if (parts.length > 1 && FIRST.test(text)) notes.push('"whichever happens first": one clause per event; the earliest deadline decides');
  else if (FIRST.test(text)) notes.push('"whichever happens first": the earliest event decides');
  if (parts.length === 0) return [review('no period or ending event could be read: decide how long the data may be kept')];
  return parts.map((part) => partRule(text, part, notes));
}

/** A period kept for one purpose only: the purpose-extension kind holds no period, so a person decides. */
function purposePeriodReview(purpose: string, found: FoundPeriod): ParsedRule {
  return review(
    `kept up to ${found.words} for ${purpose} purposes: an extension of the category's other period for items whose purposes hold "${purpose}"; ` +
      `the purpose-extension kind cannot hold a period (it allows retention until an event plus the grace period): decide how to encode ${found.words} for "${purpose}"`,
    { siblingCheck: `items kept for ${purpose} purposes may be kept up to ${found.words} (see the review clause): this clause is too strict for them` },
  );
}

/** One part of a statement as a rule of a kind. */
function partRule(text: string, part: RulePart, notes: readonly string[]): ParsedRule {
  const { anchor, events } = part;
  const declared = events.filter((event) => event.declared);
  const checks = [...notes, ...(declared.length > 0 ? [`a new event (${eventNames(declared)}): inventory items must carry it`] : [])];
  const confidence: Confidence = checks.length > 0 ? 'medium' : 'high';
  const checked = checks.length > 0 ? { check: checks.join('; ') } : {};
  if (anchor.type === 'immediate') {
    if (events.length === 0) return review(`"${anchor.words}" after what? Name the event or the period`);
    if (ZERO_PERIOD_DRAFTED) return { kind: 'event-bound', period: { days: 0 }, events, confidence, ...checked };
    // No rule kind holds a zero period yet (event-bound needs at least 1 day): a person decides.
    return review(`deleted ${anchor.words} at ${eventNames(events)}: no rule kind holds a zero period; decide (e.g. event-bound, 1 day)`);
  }
  if (anchor.type === 'bare') {
    return { kind: 'until-event', events, confidence: 'medium', check: [untilEventCheck(events), ...notes].join('; ') };
  }
  if (events.length > 0) return { kind: 'event-bound', period: anchor.period, events, confidence, ...checked };
  const from = countedFrom(text.slice(anchor.index));
  if (from === null || FROM_CREATION.test(text)) return { kind: 'fixed-period', period: anchor.period, confidence, ...checked };
  return review(`"${anchor.words}" counted from "${from}": from the record's creation or from an event?`);
}

/** What to check on an "until the event" clause: no period is named. */
export function untilEventCheck(events: readonly FoundEvent[]): string {
  return `no period named: the grace period applies after ${eventNames(events)}`;
}

/** The words right after a period ("… days after X") that it is counted from, unless they are the record's creation; else null. */
function countedFrom(fromUnit: string): string | null {
  const match = COUNTED_FROM.exec(fromUnit.replace(/^[A-Za-z]+/, ''));
  return match ? match[1]! : null;
}
