import { addPeriod, describePeriod, periodAdjective, type Period } from '../../time';
import { day, judgeDeadline, overdueWords } from './deadline';
import { periodSchema, type ClauseBase, type ClauseContext, type ClauseResult, type RuleKind } from './RuleKind';

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

export const fixedPeriod: RuleKind<FixedPeriodClause> = {
  schema: { properties: { period: periodSchema }, required: ['period'] },
  evaluate: (clause, context) => evaluateFixedPeriod(clause.period, context, 'retention period'),
  describe: (clause) => `Records older than ${describePeriod(clause.period)} must be gone.`,
};
