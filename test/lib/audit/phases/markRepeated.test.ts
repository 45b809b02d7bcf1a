/**
 * A repeated itemId's later finding: invalid, medium, no rule, no deadline, no
 * waiver, its facts kept; and the summary takes the original out and counts the
 * invalid finding instead, so the totals still add up to one finding per item.
 */
import { duplicateOf, markRepeated } from '../../../../lib/audit/phases/markRepeated';
import { emptySummary, tally } from '../../../../lib/report/ReportModel';
import { before, DAY, judge, makeItem } from '../../../helpers/items';

describe('markRepeated', () => {
  const violation = { ...judge(makeItem({ itemId: 'im-7', oldestRecordAt: before(40 * DAY), recordCount: 5, bytes: 50 })), underlyingVerdict: 'violation' as const, waiverId: 'W1' };

  it('makes the repeat invalid and keeps its facts', () => {
    const duplicate = duplicateOf(violation);
    expect(duplicate).toMatchObject({
      itemId: 'im-7',
      fingerprint: violation.fingerprint,
      tenantId: violation.tenantId,
      recordCount: 5,
      verdict: 'invalid',
      severity: 'medium',
      ruleId: null,
      deadline: null,
      overdueDays: null,
      clause: null,
      reason: 'Field itemId repeats im-7, which another item of this snapshot already uses.',
    });
    expect(duplicate).not.toHaveProperty('underlyingVerdict');
    expect(duplicate).not.toHaveProperty('waiverId');
    expect(violation.verdict).toBe('violation');
  });

  it('corrects the summary: the violation out, an invalid finding in, the item count unchanged', () => {
    const summary = emptySummary();
    tally(summary, violation);
    const replaced = markRepeated(summary, violation);
    expect(replaced.verdict).toBe('invalid');
    expect(summary).toMatchObject({ items: 1, byVerdict: { violation: 0, invalid: 1 }, bySeverity: { high: 0, medium: 1 }, recordsPastDeadline: 0, bytesPastDeadline: 0 });
    expect(summary.byModule['instant-messaging']).toEqual({ items: 1, violations: 0, dueSoon: 0 });
  });
});
