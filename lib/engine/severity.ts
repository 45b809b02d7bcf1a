import type { Severity, Verdict } from '../model';
import { SEVERITIES } from '../model';

export interface SeverityInput {
  verdict: Verdict;
  /** Health or biometric data (special categories of personal data). */
  special: boolean;
  overdueDays: number | null;
  recordCount: number;
  bytes: number;
}

/** Volume above which a violation is one step more severe. */
export const LARGE_VOLUME = { records: 1_000_000, bytes: 10 * 2 ** 30 } as const;

/** The severity model in words, for the README and the PDF appendix. */
export const SEVERITY_MODEL: readonly (readonly [string, string])[] = [
  [
    'violation',
    'Starts at medium, or high for special-category data (health, biometric). One step up past 30 days overdue, one more past 90 days, one more for a large volume (1,000,000 records or 10 GiB and more). Personal data at most one day past its deadline, in a small volume, is low. Never above critical.',
  ],
  ['due-soon', 'Low, or medium for special-category data.'],
  ['invalid, unmapped', 'Medium: data that cannot be shown compliant, or that no policy declares.'],
  ['review', 'Low: a person must decide the period.'],
  ['exempt, waived, compliant', 'Info.'],
];

const LADDER: readonly Severity[] = [...SEVERITIES].reverse(); // info, low, medium, high, critical

/**
 * The severity model (README "Severity"). A violation starts at medium, or high
 * for special-category data; it rises one step past 30 days overdue, one more
 * past 90, and one for a large volume; a personal-data violation at most one
 * day past a deadline with a small volume is low (a size cap has no deadline).
 *
 * @example
 * severityOf({ verdict: 'violation', special: true, overdueDays: 45, recordCount: 10, bytes: 100 }) // 'critical'
 */
export function severityOf(input: SeverityInput): Severity {
  switch (input.verdict) {
    case 'violation': {
      const overdue = input.overdueDays ?? 0;
      const large = input.recordCount >= LARGE_VOLUME.records || input.bytes >= LARGE_VOLUME.bytes;
      let level = input.special ? 3 : 2;
      if (overdue > 30) level += 1;
      if (overdue > 90) level += 1;
      if (large) level += 1;
      if (!input.special && !large && input.overdueDays !== null && overdue <= 1) level -= 1;
      return LADDER[Math.min(level, 4)] ?? 'critical';
    }
    case 'due-soon':
      return input.special ? 'medium' : 'low';
    case 'invalid':
    case 'unmapped':
      return 'medium';
    case 'review':
      return 'low';
    default:
      return 'info';
  }
}

/** Whether `severity` is at least as severe as `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

/** The SQL of {@link severityOf}: each field a DuckDB expression (verdict VARCHAR, special BOOLEAN, overdueDays DOUBLE or NULL, counts DOUBLE). */
export interface SeveritySqlInput {
  verdict: string;
  special: string;
  overdueDays: string;
  recordCount: string;
  bytes: string;
}

/**
 * severityOf compiled to SQL: a VARCHAR expression giving the same severity row by row.
 *
 * @example
 * severitySql({ verdict: "'violation'", special: 'false', overdueDays: '45.0', recordCount: '10', bytes: '100' }) // … 'high'
 */
export function severitySql(input: SeveritySqlInput): string {
  const overdue = `coalesce(${input.overdueDays}, 0)`;
  const large = `(${input.recordCount} >= ${LARGE_VOLUME.records} OR ${input.bytes} >= ${LARGE_VOLUME.bytes})`;
  const step = (condition: string) => `(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
  const level =
    `(CASE WHEN ${input.special} THEN 3 ELSE 2 END + ${step(`${overdue} > 30`)} + ${step(`${overdue} > 90`)} + ${step(large)}` +
    ` - ${step(`NOT ${input.special} AND NOT ${large} AND ${input.overdueDays} IS NOT NULL AND ${overdue} <= 1`)})`;
  const ladder = LADDER.map((severity, index) => `WHEN ${index} THEN '${severity}'`).join(' ');
  return (
    `(CASE ${input.verdict} ` +
    `WHEN 'violation' THEN (CASE least(${level}, 4) ${ladder} END) ` +
    `WHEN 'due-soon' THEN (CASE WHEN ${input.special} THEN 'medium' ELSE 'low' END) ` +
    `WHEN 'invalid' THEN 'medium' WHEN 'unmapped' THEN 'medium' WHEN 'review' THEN 'low' ELSE 'info' END)`
  );
}
