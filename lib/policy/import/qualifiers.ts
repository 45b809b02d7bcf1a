import type { FoundEvent } from './events';
import type { FoundPeriod } from './periods';

/**
 * Words that change what a retention statement means ("unless …", "where
 * required by law", "anonymised", "in any case …"). A statement holding one
 * that no reading accounts for must not be drafted as a plain rule: the
 * importer flags it `review` with what to decide.
 */
export interface Qualifier {
  /** What the words do, for the `check` ("an exception"). */
  what: string;
  /** What a person must decide about it. */
  decide: string;
  pattern: RegExp;
  /** Accounted for by a reading that splits the statement into several rules ("in any case …"). */
  splitAccounts?: boolean;
}

/** Where an event or a period stood: the qualifiers are read on the rest. */
export const EVENT_MARK = '⟨event⟩';
export const PERIOD_MARK = '⟨period⟩';

/** A condition that an ending event fills ("if you withdraw consent", "when your account is closed") says nothing more. */
const NOT_AN_EVENT = `(?![^,.;]{0,50}${EVENT_MARK})`;

export const QUALIFIERS: readonly Qualifier[] = [
  {
    what: 'an exception',
    decide: 'decide what the exception changes and for which items',
    pattern: /\b(?:unless|except(?:ing)?|excluding|with the exception of|save where|other than)\b[^.;]*/i,
  },
  {
    what: 'a legal or conditional requirement',
    decide: 'decide the period the requirement sets, or keep the clause as review',
    pattern:
      /\b(?:as|where|if|when|to the extent)\s+(?:it is |this is |otherwise )?(?:required|permitted|authori[sz]ed|necessary|needed|mandated|obliged)\b[^.;]*|\b(?:required|permitted|authori[sz]ed|mandated) (?:by|under) (?:applicable |the )?(?:law|laws|regulations?|legislation)\b[^.;]*|\blegal(?:ly)? (?:obligations?|requirements?|required|obliged|hold)\b[^.;]*|\bto comply with\b[^.;]*|\bstatutory\b[^.;]*|\b(?:tax|accounting|audit) (?:law|rules|purposes|requirements)\b[^.;]*/i,
  },
  {
    what: 'a longer or open-ended period',
    decide: 'decide the longest period allowed',
    pattern: /\b(?:or|and) (?:longer|more)\b[^.;]*|\bextend\w*\b[^.;]*|(?<!\bno |\bnot |\bany )\blonger\b[^.;]*|\bindefinitely\b|\bpermanently\b/i,
  },
  {
    what: 'anonymisation rather than deletion',
    decide: 'decide whether anonymised records leave the inventory (then the period is a deletion deadline)',
    pattern: /\b(?:anonymi[sz]\w*|pseudonymi[sz]\w*|de-?identif\w*|aggregated?)\b[^.;]*/i,
  },
  {
    what: 'backup or archive copies',
    decide: "decide whether the inventory's stores include them and which period binds them",
    pattern: /\b(?:back-?ups?|archiv\w*|snapshots?|disaster recovery)\b[^.;]*/i,
  },
  {
    what: 'a deadline at a moment the inventory does not record',
    decide: 'decide how to count it (from which recorded instant)',
    pattern: new RegExp(`\\buntil\\b${NOT_AN_EVENT}[^.;]*|\\b(?:end|close|beginning|start) of (?:the |each |every )?(?:calendar |fiscal |financial )?(?:year|month|quarter|week)\\b[^.;]*`, 'i'),
  },
  {
    what: 'a condition',
    decide: 'decide which items the condition covers and what applies to the others',
    pattern: new RegExp(
      `\\b(?:if|where|provided(?: that)?|in case|only if|as long as|so long as|subject to|depending on|in the event)\\b${NOT_AN_EVENT}[^.;]*`,
      'i',
    ),
  },
  {
    what: 'a second deadline',
    decide: 'decide which deadline applies to what',
    pattern: /\b(?:in any (?:case|event)|at the latest|in no case|in no event|at any rate)\b[^.;]*/i,
    splitAccounts: true,
  },
  {
    what: 'a vague moment',
    decide: 'decide the period',
    pattern: /\b(?:without undue delay|promptly|as soon as (?:possible|practicable|reasonably)|in a timely manner|within a reasonable (?:time|period)|periodically|from time to time)\b/i,
  },
];

/** The text with the events and periods found replaced by marks, and the words each mark stands for, left to right. */
export function maskFound(text: string, events: readonly FoundEvent[], periods: readonly FoundPeriod[]): { masked: string; originals: string[] } {
  const spans = [
    ...events.filter((event) => event.words).map((event) => ({ start: event.index, end: event.index + event.words.length, mark: EVENT_MARK })),
    ...periods.map((found) => ({ ...periodSpan(text, found), mark: PERIOD_MARK })),
  ].sort((a, b) => a.start - b.start);
  let masked = '';
  let at = 0;
  const originals: string[] = [];
  for (const span of spans) {
    if (span.start < at) continue;
    masked += text.slice(at, span.start) + span.mark;
    originals.push(text.slice(span.start, span.end));
    at = span.end;
  }
  return { masked: masked + text.slice(at), originals };
}

/** Where a period's words stand: its number (as far as it can be found verbatim) to the end of its unit. */
function periodSpan(text: string, found: FoundPeriod): { start: number; end: number } {
  const unit = /^(?:business |working |calendar )?(?:day|week|month|year)s?/i.exec(text.slice(found.index))?.[0] ?? '';
  const number = found.words.slice(0, found.words.length - unit.length).trim();
  const start = number ? text.lastIndexOf(number, found.index) : -1;
  return { start: start >= 0 && found.index - start <= number.length + 3 ? start : found.index, end: found.index + unit.length };
}

/** One qualifier found: what it does, the words, what to decide. */
export interface FoundQualifier {
  qualifier: Qualifier;
  words: string;
}

/**
 * The qualifiers a statement holds outside its events and periods.
 *
 * @example
 * findQualifiers('kept for 90 days, unless you ask us otherwise', [], [])[0].qualifier.what // 'an exception'
 */
export function findQualifiers(text: string, events: readonly FoundEvent[], periods: readonly FoundPeriod[]): FoundQualifier[] {
  const { masked, originals } = maskFound(text, events, periods);
  return QUALIFIERS.flatMap((qualifier) => {
    const match = qualifier.pattern.exec(masked);
    if (!match) return [];
    let k = masked.slice(0, match.index).split(/⟨(?:event|period)⟩/).length - 1;
    const words = match[0].trim().replace(/[,\s]+$/, '').replace(/⟨(?:event|period)⟩/g, () => originals[k++] ?? '');
    const parts = words.split(/\s+/);
    return [{ qualifier, words: parts.length > 10 ? `${parts.slice(0, 10).join(' ')} …` : words }];
  });
}

/** "generally", "typically": a hedge the rule is drafted despite, with a check. */
export const HEDGE = /\b(?:generally|typically|usually|normally|ordinarily|in principle|in most cases|as a rule)\b/i;
