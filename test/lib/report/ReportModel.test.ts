/**
 * The summary's tally (lib/report/ReportModel.ts): records and bytes past deadline
 * are exact sums rounded once, also when a finding is taken back out (a repeated
 * itemId marked invalid after the count, lib/audit/phases/markRepeated.ts).
 */
import { exactCount } from '../../../lib/engine/exactCount';
import { emptySummary, tally } from '../../../lib/report/ReportModel';
import { before, DAY, judge, makeItem } from '../../helpers/items';

const MAX = Number.MAX_SAFE_INTEGER;
const violation = (recordCount: number, bytes = recordCount) => judge(makeItem({ oldestRecordAt: before(40 * DAY), recordCount, bytes }));

describe('tally', () => {
  it('counts a violation by verdict, severity and module, with its records and bytes', () => {
    const summary = emptySummary();
    tally(summary, violation(7, 70));
    expect(summary).toMatchObject({ items: 1, byVerdict: { violation: 1 }, recordsPastDeadline: 7, bytesPastDeadline: 70, byModule: { 'instant-messaging': { items: 1, violations: 1, dueSoon: 0 } } });
  });

  it('sums records and bytes past deadline exactly beyond 2^53, and takes a finding back out exactly', () => {
    const summary = emptySummary();
    const one = violation(1);
    for (const finding of [violation(MAX), one, one, one]) tally(summary, finding);
    // Doubles would give 2^53: each + 1 rounds back.
    expect(summary.recordsPastDeadline).toBe(2 ** 53 + 2);
    expect(exactCount(summary, 'bytesPastDeadline')).toBe(2n ** 53n + 2n);
    tally(summary, one, -1);
    tally(summary, one, -1);
    expect(summary.recordsPastDeadline).toBe(MAX + 1);
    tally(summary, one, -1);
    expect([summary.items, summary.byVerdict.violation, summary.recordsPastDeadline]).toEqual([1, 1, MAX]);
  });

  it('leaves records and bytes of findings that are no violation out', () => {
    const summary = emptySummary();
    tally(summary, judge(makeItem({ recordCount: 5 })));
    tally(summary, judge({ itemId: 'broken', recordCount: 1e300 }));
    expect([summary.recordsPastDeadline, summary.bytesPastDeadline]).toEqual([0, 0]);
  });
});
