/**
 * The report head as the findings decide it: the run's snapshot and capture
 * time, the warnings about a mixed inventory and a stale snapshot, a manifest's
 * item count that was not reached, completeness, and the waivers and forecast
 * as of the capture time (or of the start, when nothing was captured).
 */
import { assembleHead } from '../../../../lib/audit/phases/assembleHead';
import { OTHER_SNAPSHOTS_SHOWN, SnapshotTally } from '../../../../lib/audit/phases/SnapshotTally';
import type { RunInfo } from '../../../../lib/report/ReportModel';
import { CAPTURED, CAPTURED_MS, DAY, judge, makeItem } from '../../../helpers/items';

const START = new Date(CAPTURED_MS + DAY).toISOString();
const RUN: RunInfo = {
  id: 'audit-head',
  trigger: 'cli',
  startedAt: START,
  finishedAt: START,
  snapshotId: null,
  snapshotCapturedAt: null,
  catalogVersion: 'v',
  source: 'test',
  graceDays: 30,
  scope: 'estate',
};

function countsOf(snapshotIds: string[], overrides: { incompleteReasons?: string[] } = {}) {
  const counts = new SnapshotTally({ snapshotId: null, warnings: [], incompleteReasons: overrides.incompleteReasons ?? [] }, { waivers: [], forecastDays: 30, statedCapturedAt: null });
  snapshotIds.forEach((snapshotId, i) => counts.add(judge(makeItem({ itemId: `i${i}`, snapshotId }))));
  return counts;
}

describe('assembleHead', () => {
  it("settles the run's snapshot and capture time from the findings, keeping the run's fields in their order", () => {
    const head = assembleHead({ run: RUN, counts: countsOf(['s1']), expectedItems: null, snapshotSha256: 'sha256:abc', staleAfterHours: 48 });
    expect(head.run).toEqual({ ...RUN, snapshotId: 's1', snapshotCapturedAt: CAPTURED, snapshotSha256: 'sha256:abc' });
    expect(Object.keys(head.run)).toEqual([...Object.keys(RUN), 'snapshotSha256']);
    expect(RUN.snapshotId).toBeNull();
    expect(head).toMatchObject({ changes: null, summary: { complete: true, warnings: [] }, stale: { stale: false, ageHours: 24 } });
    expect(head).not.toHaveProperty('trend');
    expect(head.forecast!.until).toBe(new Date(CAPTURED_MS + 30 * DAY).toISOString());
  });

  it('records no digest without one', () => {
    expect(assembleHead({ run: RUN, counts: countsOf(['s1']), expectedItems: null, staleAfterHours: 48 }).run).not.toHaveProperty('snapshotSha256');
  });

  it(`names up to ${OTHER_SNAPSHOTS_SHOWN} other snapshots, and says when there are more`, () => {
    const few = assembleHead({ run: RUN, counts: countsOf(['s0', 'a', 'b']), expectedItems: null, staleAfterHours: 48 });
    expect(few.summary.warnings).toEqual(['The inventory mixes snapshots: besides s0 it holds a, b; choose one with --snapshot.']);
    const many = assembleHead({ run: RUN, counts: countsOf(['s0', 'a', 'b', 'c', 'd', 'e', 'f']), expectedItems: null, staleAfterHours: 48 });
    expect(many.summary.warnings).toEqual(['The inventory mixes snapshots: besides s0 it holds a, b, c, d, e and more; choose one with --snapshot.']);
  });

  it("is incomplete when fewer items were read than the manifest lists, unless a reason is given already", () => {
    const short = assembleHead({ run: RUN, counts: countsOf(['s1', 's1']), expectedItems: 3, staleAfterHours: 48 });
    expect(short.summary).toMatchObject({ complete: false, incompleteReasons: ['Read 2 items but the snapshot manifest lists 3.'] });
    const reasoned = assembleHead({ run: RUN, counts: countsOf(['s1'], { incompleteReasons: ['Segment 2 failed.'] }), expectedItems: 3, staleAfterHours: 48 });
    expect(reasoned.summary).toMatchObject({ complete: false, incompleteReasons: ['Segment 2 failed.'] });
    expect(assembleHead({ run: RUN, counts: countsOf(['s1', 's1', 's1']), expectedItems: 3, staleAfterHours: 48 }).summary.complete).toBe(true);
  });

  it('warns about a stale snapshot, and about one without a capture time, which counts as stale', () => {
    const old = assembleHead({ run: RUN, counts: countsOf(['s1']), expectedItems: null, staleAfterHours: 23.9 });
    expect(old.summary.warnings).toEqual(["The snapshot was captured 24 hours before the audit (more than 23.9): it cannot prove today's state."]);
    const none = assembleHead({ run: RUN, counts: countsOf([]), expectedItems: null, staleAfterHours: 48 });
    expect(none.run.snapshotCapturedAt).toBeNull();
    expect(none.summary.warnings).toEqual(["The snapshot has no capture time: it cannot prove today's state."]);
    // Nothing captured: the forecast's window starts at the audit's start.
    expect(none.forecast!.until).toBe(new Date(CAPTURED_MS + 31 * DAY).toISOString());
  });

  it('puts the counted summary, holds and waivers in the head as they are (the reports correct the same summary later)', () => {
    const counts = countsOf(['s1']);
    const head = assembleHead({ run: RUN, counts, expectedItems: null, staleAfterHours: 48 });
    expect(head.summary).toBe(counts.summary);
    expect(head.legalHolds).toBe(counts.holds);
    expect(head.waivers).toEqual([]);
  });
});
