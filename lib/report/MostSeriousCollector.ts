import type { Finding } from '../model';
import { SEVERITIES } from '../model';
import type { SeriousFinding } from './ReportModel';
import { jsOrderSql } from '../sql/jsOrderSql';

/** How many of the most serious findings the digest lists. */
export const MOST_SERIOUS_LIMIT = 10;

const SERIOUS_VERDICTS = ['violation', 'due-soon'] as const;

/** What the collector keeps of a candidate: the digest's entry, and the line that breaks the last ties. */
interface Ranked {
  serious: SeriousFinding;
  line: string;
}

/**
 * A finding's entry in the digest's list, if it calls for action (a violation or due soon).
 *
 * @example
 * seriousOf(violation) // { itemId: 'im-1', verdict: 'violation', severity: 'high', overdueDays: 23, clause: { source, text }, … }
 * seriousOf(compliant) // null
 */
export function seriousOf(finding: Finding): SeriousFinding | null {
  if (finding.verdict !== 'violation' && finding.verdict !== 'due-soon') return null;
  return {
    itemId: finding.itemId,
    verdict: finding.verdict,
    severity: finding.severity,
    tenantId: finding.tenantId,
    module: finding.module,
    dataCategory: finding.dataCategory,
    resource: finding.store?.resource ?? null,
    specialCategory: finding.specialCategory,
    deadline: finding.deadline,
    overdueDays: finding.overdueDays,
    clause: finding.clause ? { source: finding.clause.source, text: finding.clause.text } : null,
  };
}

/** JavaScript's `<` as a comparison; null last. */
function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** Most days overdue first; null last. */
function compareOverdue(a: number | null, b: number | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return b - a;
}

/**
 * "The most serious findings" of a run, precisely: of the findings that call for
 * action — violations and deadlines due soon — in this order, each key breaking
 * the ties of the one before:
 *
 * 1. violations before due-soon findings;
 * 2. severity, critical first (critical, high, medium, low, info);
 * 3. special-category data (health, biometric) first;
 * 4. most days overdue first (none, as for a due-soon finding or a size cap, last);
 * 5. itemId, in JavaScript's string order (unique among them: a repeated itemId's
 *    later findings are invalid);
 * 6. the finding's report line, in JavaScript's string order (it decides only
 *    between findings that every key above leaves equal, which a hostile
 *    inventory can make, so the choice is always the same).
 *
 * The first {@link MOST_SERIOUS_LIMIT} of that order, of the findings as the
 * reports have them. Both engines give the same ones: the reference engine with
 * {@link MostSeriousCollector}, the SQL engine with {@link mostSeriousOrderSql}
 * (SqlEngine.mostSerious). Negative when `a` is more serious.
 */
function compareSerious(a: Ranked, b: Ranked): number {
  const x = a.serious;
  const y = b.serious;
  return (
    SERIOUS_VERDICTS.indexOf(x.verdict) - SERIOUS_VERDICTS.indexOf(y.verdict) ||
    SEVERITIES.indexOf(x.severity) - SEVERITIES.indexOf(y.severity) ||
    Number(!x.specialCategory) - Number(!y.specialCategory) ||
    compareOverdue(x.overdueDays, y.overdueDays) ||
    compareText(x.itemId, y.itemId) ||
    compareText(a.line, b.line)
  );
}

/**
 * Whether a report line may hold a finding the list takes: a quick look at its text,
 * so that most lines are never parsed (a false yes is settled by the parsed verdict).
 */
const mayBeSerious = (line: string) => line.includes('"verdict":"violation"') || line.includes('"verdict":"due-soon"');

/**
 * Keeps the {@link MOST_SERIOUS_LIMIT} most serious findings of those it is offered,
 * in any order: bounded memory, whatever the number of findings. The reference
 * engine's side; the SQL engine's is {@link mostSeriousOrderSql}.
 *
 * @example
 * const top = new MostSeriousCollector();
 * for (const record of records) top.offer(record);
 * top.result() // at most 10 SeriousFinding, the most serious first
 */
export class MostSeriousCollector {
  /** The most serious so far, most serious first. */
  private readonly kept: Ranked[] = [];

  constructor(readonly limit = MOST_SERIOUS_LIMIT) {}

  /** Offers a finding as the reports write it: its line, and the finding parsed on demand. */
  offer(record: { line: string; finding(): Finding }): void {
    if (!mayBeSerious(record.line)) return;
    const serious = seriousOf(record.finding());
    if (serious) this.add({ serious, line: record.line });
  }

  private add(candidate: Ranked): void {
    const { kept, limit } = this;
    if (limit <= 0) return;
    if (kept.length === limit && compareSerious(candidate, kept[limit - 1]!) >= 0) return;
    let at = kept.length;
    while (at > 0 && compareSerious(candidate, kept[at - 1]!) < 0) at -= 1;
    kept.splice(at, 0, candidate);
    if (kept.length > limit) kept.pop();
  }

  /** The findings kept, most serious first. */
  result(): SeriousFinding[] {
    return this.kept.map(({ serious }) => serious);
  }

  /** The lines of the findings kept, most serious first: offered to another collector, they rank as here (an assembled run's parts). */
  keptLines(): string[] {
    return this.kept.map(({ line }) => line);
  }
}

/** The columns {@link mostSeriousOrderSql} reads, each a DuckDB expression. */
export interface SeriousSqlColumns {
  verdict: string;
  severity: string;
  /** The finding's JSON text (for specialCategory and overdueDays). */
  finding: string;
  itemId: string;
  /** The finding's report line (the last tie-break). */
  line: string;
}

/**
 * The SQL filter of the findings the list takes (verdict a VARCHAR expression).
 *
 * @example
 * seriousFilterSql('f.verdict') // "f.verdict IN ('violation', 'due-soon')"
 */
export const seriousFilterSql = (verdict: string) => `${verdict} IN (${SERIOUS_VERDICTS.map((v) => `'${v}'`).join(', ')})`;

/**
 * The order of compareSerious as an ORDER BY list: with `LIMIT` {@link MOST_SERIOUS_LIMIT},
 * the SQL engine's choice, the same as the collector's.
 *
 * @example
 * `SELECT … WHERE ${seriousFilterSql('verdict')} ORDER BY ${mostSeriousOrderSql(columns)} LIMIT 10`
 */
export function mostSeriousOrderSql(columns: SeriousSqlColumns): string {
  const rank = (expression: string, values: readonly string[]) => `(CASE ${expression} ${values.map((value, i) => `WHEN '${value}' THEN ${i}`).join(' ')} END)`;
  const special = `(CASE WHEN coalesce(json_extract_string(${columns.finding}, '$.specialCategory'), '') <> '' THEN 0 ELSE 1 END)`;
  const overdue = `TRY_CAST(json_extract_string(${columns.finding}, '$.overdueDays') AS DOUBLE)`;
  return [
    rank(columns.verdict, SERIOUS_VERDICTS),
    rank(columns.severity, SEVERITIES),
    special,
    `${overdue} DESC NULLS LAST`,
    `${jsOrderSql(columns.itemId)} NULLS LAST`,
    // Report lines are ASCII (toJsonLine escapes the rest), where DuckDB's order is JavaScript's.
    `${columns.line} NULLS LAST`,
  ].join(', ');
}
