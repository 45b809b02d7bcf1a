/**
 * A repeated itemId's later finding: invalid, medium, no rule, no deadline, no
 * waiver, its facts kept; and the summary takes the original out and counts the
 * invalid finding instead, so the totals still add up to one finding per item.
 */
import { absorbDelta, duplicateOf, markRepeated, summaryDelta, type SummaryDelta } from '../../../../lib/audit/phases/markRepeated';
import { exactCount } from '../../../../lib/engine/exactCount';
import type { Finding } from '../../../../lib/model';
import { emptySummary, tally, type Summary } from '../../../../lib/report/ReportModel';
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

/**
 * An assembled run marks each part's repeats against an empty summary and sends the
 * change as JSON (lib/partitioned/assemblePart.ts); the reduce adds every part's change
 * to the run's summary. That must be marking them in place, exactly, past 2^53 too.
 */
describe('summaryDelta and absorbDelta', () => {
  const BIG = Number.MAX_SAFE_INTEGER;
  const violation = (itemId: string, extra: Partial<Finding> = {}): Finding => ({ ...judge(makeItem({ itemId, oldestRecordAt: before(40 * DAY), recordCount: BIG, bytes: BIG })), ...extra });
  const originals: Finding[] = [
    violation('a'),
    violation('b', { specialCategory: 'biometric' }),
    violation('c', { module: '__proto__' }),
    judge(makeItem({ itemId: 'd', oldestRecordAt: before(6 * DAY) })),
    judge(makeItem({ itemId: 'e' })),
  ];
  const tallied = (findings: readonly Finding[]) => {
    const summary = emptySummary();
    for (const finding of findings) tally(summary, finding);
    return summary;
  };
  const deltaOf = (repeats: readonly Finding[]) => {
    const delta = emptySummary();
    for (const finding of repeats) markRepeated(delta, finding);
    return JSON.parse(JSON.stringify(summaryDelta(delta))) as SummaryDelta;
  };
  const exact = (summary: Summary) => [exactCount(summary, 'recordsPastDeadline'), exactCount(summary, 'bytesPastDeadline')];

  it('absorbed after a JSON round trip, equals marking the repeats in place, with exact sums past 2^53', () => {
    // The run holds every original, then twice more (the repeats), counted as they were by the map phase.
    const run = [...originals, ...originals, ...originals];
    const inPlace = tallied(run);
    for (const finding of [...originals, ...originals]) markRepeated(inPlace, finding);
    // Split among parts as an assembled run splits them.
    const summary = tallied(run);
    for (const part of [originals.slice(0, 2), originals.slice(2), originals]) absorbDelta(summary, deltaOf(part));
    expect(summary).toEqual(inPlace);
    expect(exact(summary)).toEqual(exact(inPlace));
    // Three violations of BIG records each stand: 3 × (2^53 − 1), past what a double holds exactly.
    expect(exact(summary)).toEqual([3n * BigInt(BIG), 3n * BigInt(BIG)]);
    expect(summary.byModule['__proto__']).toEqual({ items: 3, violations: 1, dueSoon: 0 });
    expect(summary).toMatchObject({ items: 15, specialCategoryViolations: 1, byVerdict: { violation: 3, invalid: 10, 'due-soon': 1, compliant: 1 } });
  });

  it('of an untouched summary is all zeros, and absorbing it changes nothing', () => {
    const delta = JSON.parse(JSON.stringify(summaryDelta(emptySummary()))) as SummaryDelta;
    expect(delta).toMatchObject({ items: 0, specialCategoryViolations: 0, recordsPastDeadline: '0', bytesPastDeadline: '0', byModule: {} });
    const summary = tallied(originals);
    const was = { summary: JSON.stringify(summary), exact: exact(summary) };
    absorbDelta(summary, delta);
    expect({ summary: JSON.stringify(summary), exact: exact(summary) }).toEqual(was);
  });
});
