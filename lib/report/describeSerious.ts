import type { SeriousFinding } from './ReportModel';

/** The words of one of the most serious findings, for the digest and the terminal (raw: escaping is the caller's). */
export interface SeriousWords {
  severity: string;
  /** "violation" or "due soon", with the special category when there is one: "violation, biometric data". */
  what: string;
  tenant: string;
  /** "module / data category". */
  where: string;
  /** Where the data is stored, or null. */
  resource: string | null;
  /** "173 days overdue", "due 2026-11-25", "over its limit". */
  when: string;
  /** The clause's words, cut when long, or null. */
  clause: string | null;
  /** The document the clause cites. */
  source: string | null;
}

/** Identifiers longer than this are cut with an ellipsis (as in the PDF). */
const ID_CHARS = 120;
/** Clause words longer than this are cut with an ellipsis. */
const CLAUSE_CHARS = 300;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Days to one decimal: 173, 12.5, 0.1. */
const days = (value: number) => {
  const rounded = Math.round(value * 10) / 10;
  return `${rounded} day${rounded === 1 ? '' : 's'}`;
};

/**
 * A most serious finding in words.
 *
 * @example
 * describeSerious(entry) // { severity: 'CRITICAL', what: 'violation, biometric data', when: '173 days overdue', … }
 */
export function describeSerious(entry: SeriousFinding): SeriousWords {
  const when =
    entry.overdueDays !== null
      ? `${days(entry.overdueDays)} overdue`
      : entry.deadline !== null
        ? `${entry.verdict === 'violation' ? 'deadline' : 'due'} ${entry.deadline.slice(0, 10)}`
        : 'over its limit';
  return {
    severity: entry.severity.toUpperCase(),
    what: `${entry.verdict === 'due-soon' ? 'due soon' : 'violation'}${entry.specialCategory ? `, ${entry.specialCategory} data` : ''}`,
    tenant: clip(entry.tenantId ?? '(none)', ID_CHARS),
    where: `${clip(entry.module ?? '(none)', ID_CHARS)} / ${clip(entry.dataCategory ?? '(none)', ID_CHARS)}`,
    resource: entry.resource === null ? null : clip(entry.resource, ID_CHARS),
    when,
    clause: entry.clause ? clip(entry.clause.text, CLAUSE_CHARS) : null,
    source: entry.clause?.source ?? null,
  };
}
