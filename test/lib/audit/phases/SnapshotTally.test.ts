/**
 * The map phase's counts (the run's partial summary): what one finding adds to
 * the summary, the snapshot's ids and capture time, the holds, the forecast and
 * the waivers; what a gap adds; and that the SQL engine's counts replace the
 * counted ones but never the source's own warnings and gaps.
 */
import { HOLD_LIST_CAP, OTHER_SNAPSHOTS_SHOWN, SnapshotTally } from '../../../../lib/audit/phases/SnapshotTally';
import { compileWaivers } from '../../../../lib/engine/waivers';
import type { SqlTallies } from '../../../../lib/sql/sqlEngine';
import { emptySummary } from '../../../../lib/report/ReportModel';
import { before, CAPTURED, CAPTURED_MS, DAY, judge, makeItem } from '../../../helpers/items';

const opened: { snapshotId: string | null; warnings: string[]; incompleteReasons: string[] } = { snapshotId: null, warnings: ['From the source.'], incompleteReasons: ['Segment 3 was never read.'] };
const newTally = (overrides: Partial<ConstructorParameters<typeof SnapshotTally>[1]> = {}, source = opened) =>
  new SnapshotTally(source, { waivers: [], forecastDays: 30, statedCapturedAt: null, ...overrides });

describe('SnapshotTally', () => {
  it("starts from the source's warnings and gaps, no snapshot and no capture time", () => {
    const counts = newTally();
    expect(counts.summary.warnings).toEqual(['From the source.']);
    expect(counts.summary.incompleteReasons).toEqual(['Segment 3 was never read.']);
    expect(counts.snapshotId).toBeNull();
    expect(counts.capturedMaxMs).toBe(Number.NEGATIVE_INFINITY);
    expect(newTally({ statedCapturedAt: CAPTURED }).capturedMaxMs).toBe(CAPTURED_MS);
  });

  it('counts each finding into the summary, by verdict, severity and module', () => {
    const counts = newTally();
    counts.add(judge(makeItem({ itemId: 'a' })));
    counts.add(judge(makeItem({ itemId: 'b', oldestRecordAt: before(40 * DAY), recordCount: 7, bytes: 70 })));
    expect(counts.items).toBe(2);
    expect(counts.summary).toMatchObject({
      items: 2,
      byVerdict: { compliant: 1, violation: 1 },
      bySeverity: { info: 1, high: 1 },
      recordsPastDeadline: 7,
      bytesPastDeadline: 70,
      byModule: { 'instant-messaging': { items: 2, violations: 1, dueSoon: 0 } },
    });
  });

  it("takes the first finding's snapshot unless the source named one, and lists the others in the order read", () => {
    const counts = newTally();
    for (const snapshotId of ['s1', 's2', 's1', 's3', 's2']) counts.add(judge(makeItem({ snapshotId })));
    expect(counts.snapshotId).toBe('s1');
    expect([...counts.otherSnapshots]).toEqual(['s2', 's3']);
    const named = newTally({}, { ...opened, snapshotId: 's3' });
    for (const snapshotId of ['s1', 's2', 's3']) named.add(judge(makeItem({ snapshotId })));
    expect(named.snapshotId).toBe('s3');
    expect([...named.otherSnapshots]).toEqual(['s1', 's2']);
  });

  it('takes the latest capture time of valid findings only', () => {
    const counts = newTally({ statedCapturedAt: new Date(CAPTURED_MS - DAY).toISOString() });
    counts.add(judge(makeItem({ capturedAt: new Date(CAPTURED_MS - 2 * DAY).toISOString() })));
    expect(counts.capturedMaxMs).toBe(CAPTURED_MS - DAY);
    counts.add(judge(makeItem({ capturedAt: new Date(CAPTURED_MS + DAY).toISOString(), bytes: -1 })));
    expect(counts.capturedMaxMs).toBe(CAPTURED_MS - DAY);
    counts.add(judge(makeItem()));
    expect(counts.capturedMaxMs).toBe(CAPTURED_MS);
  });

  it(`counts every active legal hold and lists the first ${HOLD_LIST_CAP}`, () => {
    const counts = newTally();
    for (let i = 0; i <= HOLD_LIST_CAP; i += 1) counts.add(judge(makeItem({ itemId: `h${i}`, legalHold: { reason: 'litigation' } } as never)));
    expect(counts.holds.active).toBe(HOLD_LIST_CAP + 1);
    expect(counts.holds.activeList).toHaveLength(HOLD_LIST_CAP);
    expect(counts.holds.activeList[0]).toEqual({ itemId: 'h0', tenantId: 'tenant-a', module: 'instant-messaging', dataCategory: 'log-data', resource: 'im/test', reason: expect.stringContaining('legal hold') });
    expect(counts.holds).toMatchObject({ ended: 0, endedList: [] });
  });

  it('feeds the forecast and the waivers, which an invalid finding never matches', () => {
    const waivers = compileWaivers([{ id: 'W1', scope: { module: 'instant-messaging' }, reason: 'r', approver: 'a', expiresAt: '2027-01-01T00:00:00Z' }]);
    const counts = newTally({ waivers });
    counts.add(judge(makeItem({ itemId: 'b', bytes: -1 })));
    expect(counts.waivers.usage(CAPTURED_MS)).toEqual([expect.objectContaining({ id: 'W1', status: 'stale' })]);
    counts.add(judge(makeItem({ itemId: 'a' })));
    expect(counts.waivers.usage(CAPTURED_MS)).toEqual([expect.objectContaining({ id: 'W1', status: 'active' })]);
    expect(counts.forecast.result(CAPTURED_MS)).toMatchObject({ items: 1, byModuleTenant: [{ module: 'instant-messaging', tenantId: 'tenant-a', items: 1 }] });
  });

  it('words a gap as a reason the run is incomplete', () => {
    const counts = newTally();
    counts.gap('Scan segment 2 of 4 stopped: boom');
    expect(counts.summary.incompleteReasons.at(-1)).toBe('Part of the snapshot could not be read: Scan segment 2 of 4 stopped: boom');
  });

  it("asks the SQL engine for its counts with the run's snapshot and limits, and adopts them, keeping the source's warnings and gaps", () => {
    const counts = newTally({ statedCapturedAt: new Date(CAPTURED_MS - DAY).toISOString(), forecastDays: 7 });
    counts.gap('lost');
    expect(counts.sqlOptions()).toEqual({ runSnapshotId: null, otherSnapshotsLimit: OTHER_SNAPSHOTS_SHOWN + 1, holdListCap: HOLD_LIST_CAP, forecastDays: 7 });
    const summary = { ...emptySummary(), items: 3, warnings: ['ignored'], incompleteReasons: ['ignored'], complete: false };
    summary.byVerdict.violation = 3;
    const hold = { itemId: 'x', tenantId: null, module: null, dataCategory: null, resource: null, reason: 'held' };
    const sql: SqlTallies = {
      summary,
      snapshot: { firstSnapshotId: 's1', otherSnapshotIds: ['s2'], capturedMaxMs: CAPTURED_MS },
      holds: { active: 1, activeList: [hold] },
      forecast: { items: 2, records: 20, bytes: 200, groups: [] },
      waivers: [],
    };
    const summaryObject = counts.summary;
    counts.adoptSql(sql);
    expect(counts.summary).toBe(summaryObject);
    expect(counts.summary).toMatchObject({ items: 3, byVerdict: { violation: 3 }, complete: true, warnings: ['From the source.'] });
    expect(counts.summary.incompleteReasons).toEqual(['Segment 3 was never read.', 'Part of the snapshot could not be read: lost']);
    expect(counts.items).toBe(3);
    expect(counts.snapshotId).toBe('s1');
    expect([...counts.otherSnapshots]).toEqual(['s2']);
    expect(counts.capturedMaxMs).toBe(CAPTURED_MS);
    expect(counts.holds).toEqual({ active: 1, activeList: [hold], ended: 0, endedList: [] });
    expect(counts.forecast.result(CAPTURED_MS)).toMatchObject({ days: 7, items: 2, records: 20, bytes: 200 });
  });
});
