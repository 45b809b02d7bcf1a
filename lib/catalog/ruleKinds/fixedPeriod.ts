import { addPeriod, describePeriod, periodAdjective, type Period } from '../../time';
import { column, dateErrorSql, isNaNSql, sqlString, textSql } from '../../sql/sqlText';
import { day, daySql, judgeDeadline, judgeDeadlineSql, overdueWords, overdueWordsSql, periodSql, type PeriodSql } from './deadline';
import {
  periodSchema,
  type ClauseBase,
  type ClauseContext,
  type ClauseResult,
  type ClauseSql,
  type ClauseSqlContext,
  type RuleKind,
} from './RuleKind';

/** "Stored for 7 days": no record may be older than the period at capture time. */
export interface FixedPeriodClause extends ClauseBase<'fixed-period'> {
  period: Period;
}

/**
 * Judges the oldest record against a fixed period; `whose` names who set it.
 *
 * @example
 * evaluateFixedPeriod({ days: 7 }, context, 'retention period').status // 'violated' | 'due-soon' | 'ok'
 */
export function evaluateFixedPeriod(period: Period, context: ClauseContext, label: string): ClauseResult {
  const { item, capturedMs, oldestMs } = context;
  if (item.recordCount === 0) return { status: 'ok', deadlineMs: null, reason: 'No records are held.' };
  const words = describePeriod(period);
  const deadlineMs = addPeriod(oldestMs, period);
  return judgeDeadline({
    deadlineMs,
    capturedMs,
    periodMs: deadlineMs - oldestMs,
    // docs/semantics.md#evaluation: violation when oldestRecordAt < capturedAt − P.
    violated: oldestMs < addPeriod(capturedMs, period, -1),
    violatedReason: () =>
      `The oldest record, created on ${day(oldestMs)}, is ${overdueWords(deadlineMs, capturedMs)} past ` +
      `its ${periodAdjective(period)} ${label}, which ended on ${day(deadlineMs)}.`,
    pendingReason: () => `The oldest record, created on ${day(oldestMs)}, may be kept ${words} (${label}), until ${day(deadlineMs)}.`,
  });
}

/**
 * evaluateFixedPeriod compiled to SQL.
 *
 * @example
 * evaluateFixedPeriodSql(periodSql({ days: 7 }), context, 'retention period').status // a CASE giving 'violated' | 'due-soon' | 'ok'
 */
export function evaluateFixedPeriodSql(period: PeriodSql, context: ClauseSqlContext, label: string): ClauseSql {
  const recordCount = column('record_count');
  const capturedMs = column('captured_ms');
  const oldestMs = column('oldest_ms');
  const held = `${recordCount} <> 0`;
  const deadlineMs = context.let('deadline_ms', `CASE WHEN ${held} THEN ${period.add(oldestMs, 1)} END`);
  const notAfterMs = period.add(capturedMs, -1);
  const violated = context.let('violated', `CASE WHEN ${held} THEN NOT ${isNaNSql(notAfterMs)} AND ${oldestMs} < ${notAfterMs} END`);
  const created = ["'The oldest record, created on '", daySql(oldestMs)];
  const judged = judgeDeadlineSql({
    deadlineMs,
    capturedMs,
    periodStartMs: oldestMs,
    violated,
    violatedReason: textSql(
      ...created,
      "', is '",
      overdueWordsSql(deadlineMs, capturedMs),
      "' past its '",
      period.adjective,
      sqlString(` ${label}, which ended on `),
      daySql(deadlineMs),
      "'.'",
    ),
    pendingReason: textSql(...created, "', may be kept '", period.words, sqlString(` (${label}), until `), daySql(deadlineMs), "'.'"),
  });
  return {
    status: `(CASE WHEN ${held} THEN ${judged.status} ELSE 'ok' END)`,
    deadlineMs,
    reason: `(CASE WHEN ${held} THEN ${judged.reason} ELSE 'No records are held.' END)`,
    error: `(CASE WHEN ${held} THEN coalesce(${dateErrorSql(oldestMs)}, ${dateErrorSql(deadlineMs)}) END)`,
  };
}

export const fixedPeriod: RuleKind<FixedPeriodClause> = {
  schema: { properties: { period: periodSchema }, required: ['period'] },
  evaluate: (clause, context) => evaluateFixedPeriod(clause.period, context, 'retention period'),
  sql: (clause, context) => evaluateFixedPeriodSql(periodSql(clause.period), context, 'retention period'),
  describe: (clause) => `Records older than ${describePeriod(clause.period)} must be gone.`,
};
