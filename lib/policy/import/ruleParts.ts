import type { Period } from '../../time';
import { eventWords, type FoundEvent } from './events';
import type { FoundPeriod } from './periods';

/** What a rule of a statement counts: a period, "immediately", or nothing named ("or upon your request"). */
export type Anchor =
  | { type: 'period'; period: Period; words: string; index: number }
  | { type: 'immediate'; words: string; index: number }
  | { type: 'bare'; words: string; index: number };

/** One rule a statement sets: what it counts and the events it counts from (none: from the record's creation). */
export interface RulePart {
  anchor: Anchor;
  events: FoundEvent[];
}

export const IMMEDIATE = /\b(?:immediately|at once|instantly|forthwith)\b/gi;
/** "or upon your deletion request": an event with its own preposition after another event's period. */
const OWN_PREPOSITION = /\b(?:or|and)\s+(?:upon|on|at|when|once|if)\s+(?:the |your |a |an |their |its )?(?:\S+\s+){0,2}$/i;
/** Marks a period that applies whatever the events ("and in any case within 2 years"). */
const OUTER_LIMIT = /\b(?:in any (?:case|event)|at the latest|in no case|in no event|no longer than|at most|not exceeding|at any rate)\b/i;

/** Start and end of each comma-, semicolon- or dash-delimited stretch of the text. */
function segmentsOf(text: string): { start: number; end: number }[] {
  const segments: { start: number; end: number }[] = [];
  let start = 0;
  for (const match of text.matchAll(/[,;:–—()]|\s-\s/g)) {
    segments.push({ start, end: match.index });
    start = match.index + match[0].length;
  }
  segments.push({ start, end: text.length });
  return segments;
}

/**
 * Splits a statement into the rules it sets: each period or "immediately" with
 * the events it is counted from. An event goes with the period of its own
 * stretch of text (between commas), the one before it where there are two;
 * with one period only, every event goes with it. An event introduced by its
 * own preposition after another's period ("90 days after the contract ends or
 * upon your request") forms a rule of its own without a period. Returns the
 * reason instead where an event cannot be placed or a period counts from
 * nothing while others count from events.
 *
 * @example
 * splitRuleParts('Deleted immediately upon withdrawal of consent, and in any case within 30 days after you terminate the Feature', …)
 * // [{ anchor: immediate, events: [consent] }, { anchor: 30 days, events: [service end, account deletion (implied)] }]
 */
export function splitRuleParts(text: string, periods: readonly FoundPeriod[], events: readonly FoundEvent[]): RulePart[] | string {
  const anchors: Anchor[] = [
    ...periods.map((found): Anchor => ({ type: 'period', period: found.period!, words: found.words, index: found.index })),
    ...[...text.matchAll(IMMEDIATE)].map((match): Anchor => ({ type: 'immediate', words: match[0], index: match.index })),
  ].sort((a, b) => a.index - b.index);
  const said = events.filter((event) => !event.implied);
  if (anchors.length === 0) return said.length > 0 ? [{ anchor: { type: 'bare', words: '', index: 0 }, events: [...events] }] : [];

  const segments = segmentsOf(text);
  const segmentOf = (index: number) => segments.findIndex((segment) => index >= segment.start && index <= segment.end);
  const parts = new Map<Anchor, FoundEvent[]>(anchors.map((anchor) => [anchor, []]));
  for (const event of said) {
    const segment = segmentOf(event.index);
    const inSegment = anchors.filter((anchor) => segmentOf(anchor.index) === segment);
    const before = inSegment.filter((anchor) => anchor.index < event.index);
    const lead = `${text.slice(Math.max(before.at(-1)?.index ?? 0, event.index - 40), event.index)}${event.words.split(/\s+/)[0]} `;
    if (before.length > 0 && OWN_PREPOSITION.test(lead)) {
      const bare: Anchor = { type: 'bare', words: '', index: event.index };
      parts.set(bare, [event]);
      continue;
    }
    const anchor = before.at(-1) ?? inSegment[0] ?? (anchors.length === 1 ? anchors[0] : undefined);
    if (!anchor) return `cannot tell which period applies to ${eventWords(event)}`;
    parts.get(anchor)!.push(event);
  }
  // Account deletion, implied by the end of the service, goes with it.
  const implied = events.filter((event) => event.implied);
  for (const [, found] of parts) if (found.some((event) => event.name === 'serviceTerminatedAt')) found.push(...implied);

  const result = [...parts].map(([anchor, found]) => ({ anchor, events: found })).sort((a, b) => a.anchor.index - b.anchor.index);
  if (result.length > 1 && result.some((part) => part.events.length > 0)) {
    for (const part of result) {
      if (part.events.length > 0) continue;
      const segment = segments[segmentOf(part.anchor.index)]!;
      if (!OUTER_LIMIT.test(text.slice(segment.start, segment.end))) return `"${part.anchor.words}" counts from no event the statement names while its other rules do: decide what it applies to`;
    }
  }
  return result;
}
