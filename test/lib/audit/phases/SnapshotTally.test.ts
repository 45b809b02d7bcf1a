/**
 * The map phase's counts (the run's partial summary): what one finding adds to
 * the summary, the snapshot's ids and capture time, the holds, the forecast and
 * the waivers; what a gap adds; that the SQL engine's counts replace the
 * counted ones but never the source's own warnings and gaps; and that the
 * partials of a run cut into partitions, absorbed in order, give what one
 * tally of the whole run gives, whichever engine counted.
 */
import fc from 'fast-check';
import { openEvaluation } from '../../../../lib/audit/evaluateEntries';
import { mapFindings } from '../../../../lib/audit/phases/mapFindings';
import {
  HOLD_LIST_CAP,
  OTHER_SNAPSHOTS_KEPT,
  OTHER_SNAPSHOTS_SHOWN,
  SnapshotTally,
  type PartialTally,
  type SnapshotTallyOptions,
} from '../../../../lib/audit/phases/SnapshotTally';
import { compileWaivers } from '../../../../lib/engine/waivers';
import type { SourceEntry } from '../../../../lib/inventory/InventorySource';
import type { Finding } from '../../../../lib/model';
import type { SqlTallies } from '../../../../lib/sql/sqlEngine';
import { emptySummary } from '../../../../lib/report/ReportModel';
import { before, CAPTURED, CAPTURED_MS, catalog, DAY, judge, makeItem } from '../../../helpers/items';
import { compiledTestWaivers, sqlItem } from '../../../helpers/sqlItems';

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
      forecast: { items: 2, records: '20', bytes: '200', groups: [] },
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

// ---------------------------------------------------------------------------
// Partial tallies (a partitioned run's map steps) and their merge.

/** A partial as it arrives at the reduce: through JSON (an S3 object, a Lambda payload). */
const travelled = (counts: SnapshotTally): PartialTally => JSON.parse(JSON.stringify(counts.toPartial())) as PartialTally;

/** The findings cut before each index of `cuts` (sorted, repeats give empty parts). */
function cut<T>(findings: readonly T[], cuts: readonly number[]): T[][] {
  const points = [0, ...[...cuts].sort((a, b) => a - b).map((point) => Math.min(point, findings.length)), findings.length];
  return points.slice(1).map((end, i) => findings.slice(points[i], end));
}

/** One tally of every finding, and one that absorbed, in order, the partial of each part. */
function wholeAndMerged(parts: readonly Finding[][], options: Partial<SnapshotTallyOptions> = {}, source = opened): { whole: SnapshotTally; merged: SnapshotTally } {
  const whole = newTally(options, source);
  for (const finding of parts.flat()) whole.add(finding);
  const merged = newTally(options, source);
  for (const part of parts) {
    const counts = newTally(options, source);
    for (const finding of part) counts.add(finding);
    merged.absorb(travelled(counts));
  }
  return { whole, merged };
}

/** Everything the reduce reads of a tally (assembleHead), and its partial (exact sums, groups in order). */
function expectSameTally(merged: SnapshotTally, whole: SnapshotTally): void {
  expect(merged.summary).toEqual(whole.summary);
  expect(Object.keys(merged.summary.byModule)).toEqual(Object.keys(whole.summary.byModule));
  expect(merged.items).toBe(whole.items);
  expect(merged.snapshotId).toBe(whole.snapshotId);
  expect([...merged.otherSnapshots]).toEqual([...whole.otherSnapshots]);
  expect(merged.capturedMaxMs).toBe(whole.capturedMaxMs);
  expect(merged.holds).toEqual(whole.holds);
  expect(merged.forecast.result(CAPTURED_MS)).toEqual(whole.forecast.result(CAPTURED_MS));
  expect(merged.waivers.usage(CAPTURED_MS)).toEqual(whole.waivers.usage(CAPTURED_MS));
  expect(merged.toPartial()).toEqual(whole.toPartial());
}

const SNAPSHOTS = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9'];

/** Findings of every verdict (holds, waivers, counts near 2^53), each from one of nine snapshots. */
const findingArb = fc
  .tuple(sqlItem(catalog(), 30), fc.constantFrom(...SNAPSHOTS), fc.boolean())
  .map(([item, snapshotId, sameSnapshot]) => judge({ ...item, snapshotId: sameSnapshot ? 's1' : snapshotId }, { waivers: compiledTestWaivers() }));

describe('SnapshotTally partials', () => {
  const waivers = compiledTestWaivers();

  it('absorbed in order, the partials of the findings cut into 1 to 8 parts give the tally of all of them', () => {
    fc.assert(
      fc.property(
        fc.array(findingArb, { maxLength: 60 }),
        fc.array(fc.nat({ max: 60 }), { maxLength: 7 }),
        fc.constantFrom(null, 's4'),
        fc.constantFrom(null, new Date(CAPTURED_MS - DAY).toISOString()),
        (findings, cuts, namedSnapshot, statedCapturedAt) => {
          const { whole, merged } = wholeAndMerged(cut(findings, cuts), { waivers, statedCapturedAt }, { ...opened, snapshotId: namedSnapshot });
          expectSameTally(merged, whole);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives a plain JSON partial that survives the trip: exact sums as decimal text, no -Infinity', () => {
    const counts = newTally();
    expect(counts.toPartial()).toEqual({
      items: 0,
      summary: { ...JSON.parse(JSON.stringify({ byVerdict: emptySummary().byVerdict, bySeverity: emptySummary().bySeverity })), items: 0, specialCategoryViolations: 0, recordsPastDeadline: '0', bytesPastDeadline: '0', byModule: [] },
      snapshotId: null,
      otherSnapshots: [],
      capturedMaxMs: null,
      holds: { active: 0, activeList: [] },
      forecast: { items: 0, records: '0', bytes: '0', groups: [] },
      waivers: [],
    });
    counts.add(judge(makeItem({ itemId: 'v', oldestRecordAt: before(40 * DAY), recordCount: 7, bytes: 70 })));
    counts.add(judge(makeItem({ itemId: 'd', tenantId: 'tenant-b', oldestRecordAt: before(6 * DAY), recordCount: 3, bytes: 30 })));
    const partial = counts.toPartial();
    expect(travelled(counts)).toEqual(partial);
    expect(partial).toMatchObject({
      items: 2,
      summary: { recordsPastDeadline: '7', bytesPastDeadline: '70', byModule: [['instant-messaging', { items: 2, violations: 1, dueSoon: 1 }]] },
      snapshotId: 'snap-test',
      capturedMaxMs: CAPTURED_MS,
      forecast: { items: 1, records: '3', bytes: '30', groups: [{ module: 'instant-messaging', tenantId: 'tenant-b', items: 1, records: '3', bytes: '30' }] },
    });
  });

  it('merges empty partitions, all of them empty too, into what no finding gives', () => {
    const stated = { statedCapturedAt: new Date(CAPTURED_MS - DAY).toISOString(), waivers };
    for (const parts of [[[], [], []], [[]]] as Finding[][][]) {
      const { whole, merged } = wholeAndMerged(parts, stated);
      expectSameTally(merged, whole);
      expect(merged.capturedMaxMs).toBe(CAPTURED_MS - DAY);
      expect(merged.summary.warnings).toEqual(['From the source.']);
    }
    const none = wholeAndMerged([[], []]);
    expect(none.merged.capturedMaxMs).toBe(Number.NEGATIVE_INFINITY);
    const one = judge(makeItem({ oldestRecordAt: before(40 * DAY) }));
    for (const parts of [[[one]], [[], [one], []]]) {
      const { whole, merged } = wholeAndMerged(parts, { waivers });
      expectSameTally(merged, whole);
      expect(merged.summary.byVerdict.violation).toBe(1);
    }
  });

  it("puts a partition's own first snapshot id among the others where one tally of all would", () => {
    const of = (snapshotId: string, itemId = snapshotId) => judge(makeItem({ snapshotId, itemId }));
    // Partition 1 starts with s2: another snapshot of the run, after s3 (read first, in partition 0).
    let { whole, merged } = wholeAndMerged([[of('s1'), of('s3')], [of('s2'), of('s3', 'x'), of('s1', 'y'), of('s4')]]);
    expectSameTally(merged, whole);
    expect([merged.snapshotId, ...merged.otherSnapshots]).toEqual(['s1', 's3', 's2', 's4']);
    // Partition 0 met none: partition 1's first id is the run's.
    ({ whole, merged } = wholeAndMerged([[], [of('s2'), of('s1')], [of('s1', 'z'), of('s5')]]));
    expectSameTally(merged, whole);
    expect([merged.snapshotId, ...merged.otherSnapshots]).toEqual(['s2', 's1', 's5']);
    // The source named s5: every partition's first id is another, in the order read.
    ({ whole, merged } = wholeAndMerged([[of('s1')], [of('s5'), of('s2')]], {}, { ...opened, snapshotId: 's5' }));
    expectSameTally(merged, whole);
    expect([merged.snapshotId, ...merged.otherSnapshots]).toEqual(['s5', 's1', 's2']);
  });

  it(`keeps the first ${OTHER_SNAPSHOTS_KEPT} other snapshot ids, enough to name ${OTHER_SNAPSHOTS_SHOWN} and say there are more`, () => {
    const parts = [0, 1, 2].map((p) => SNAPSHOTS.map((id, i) => judge(makeItem({ snapshotId: `${id}-${(i + p) % 4}`, itemId: `${p}-${i}` }))));
    const { whole, merged } = wholeAndMerged(parts);
    expectSameTally(merged, whole);
    expect(merged.otherSnapshots.size).toBe(OTHER_SNAPSHOTS_KEPT);
    expect(merged.toPartial().otherSnapshots).toHaveLength(OTHER_SNAPSHOTS_KEPT);
  });

  it(`lists the first ${HOLD_LIST_CAP} holds across partitions, in the order read, and counts them all`, () => {
    const hold = (p: number, i: number) => judge(makeItem({ itemId: `h${p}-${i}`, legalHold: { reason: 'litigation' } } as never));
    const parts = [120, 0, 70, 90].map((n, p) => Array.from({ length: n }, (_, i) => hold(p, i)));
    const { whole, merged } = wholeAndMerged(parts);
    expectSameTally(merged, whole);
    expect(merged.holds.active).toBe(280);
    expect(merged.holds.activeList.map((entry) => entry.itemId)).toEqual([...parts[0]!, ...parts[2]!, ...parts[3]!.slice(0, 10)].map((f) => f.itemId));
  });

  it('sums records and bytes exactly beyond 2^53, rounded once, however the findings were cut', () => {
    const MAX = Number.MAX_SAFE_INTEGER;
    const violation = (recordCount: number, i: number) => judge(makeItem({ itemId: `v${i}`, oldestRecordAt: before(40 * DAY), recordCount, bytes: recordCount }));
    const dueSoon = (recordCount: number, i: number) => judge(makeItem({ itemId: `d${i}`, oldestRecordAt: before(6 * DAY), recordCount, bytes: recordCount }));
    const counts = [MAX, 1, 1, 1, MAX, 2];
    const findings = [...counts.map(violation), ...counts.map(dueSoon)];
    // 2^54 + 3, rounded once: 2^54 + 4. Doubles added in this order give 2^54 (each + 1 after 2^53 rounds back),
    // and rounded partition by partition, 2^54 or 2^54 + 4 depending on the cuts.
    const exact = 2n * BigInt(MAX) + 5n;
    expect(Number(exact)).toBe(2 ** 54 + 4);
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(2 ** 54);
    for (const cuts of [[], [1], [2, 4], [1, 1, 3, 6, 9, 11]]) {
      const { whole, merged } = wholeAndMerged(cut(findings, cuts));
      expectSameTally(merged, whole);
      expect(merged.summary.recordsPastDeadline).toBe(Number(exact));
      expect(merged.toPartial().summary.recordsPastDeadline).toBe(exact.toString());
      expect(merged.forecast.result(CAPTURED_MS)).toMatchObject({ records: Number(exact), bytes: Number(exact), byModuleTenant: [{ records: Number(exact) }] });
      expect(merged.toPartial().forecast).toMatchObject({ records: exact.toString(), groups: [{ bytes: exact.toString() }] });
    }
  });

  it('refuses a partial counted with other waivers', () => {
    const counts = newTally({ waivers });
    expect(() => counts.absorb(newTally().toPartial())).toThrow(`Waiver counts for 0 waivers cannot be added to a tally of ${waivers.length}: the runs used different waivers.`);
  });

  it("gives the same partial from the SQL engine's counts (adoptSql) as from the reference engine's", async () => {
    const items = fc.sample(sqlItem(catalog(), 30), { numRuns: 400, seed: 20261130 });
    items.forEach((item, i) => {
      if (i % 9 === 0) item.snapshotId = `snap-other-${i % 11}`;
    });
    // Counts near 2^53 in the window and past the deadline (of a tenant no waiver covers), so that sums pass it.
    for (let i = 0; i < 4; i += 1) {
      items.push(makeItem({ itemId: `big-v${i}`, tenantId: 'tenant-big', oldestRecordAt: before(40 * DAY), recordCount: Number.MAX_SAFE_INTEGER, bytes: Number.MAX_SAFE_INTEGER }) as never);
      items.push(makeItem({ itemId: `big-d${i}`, tenantId: 'tenant-big', oldestRecordAt: before(6 * DAY), recordCount: Number.MAX_SAFE_INTEGER - i, bytes: Number.MAX_SAFE_INTEGER }) as never);
    }
    async function* entries(): AsyncIterable<SourceEntry> {
      for (const raw of items) yield { kind: 'item', raw };
    }
    const partialOf = async (kind: 'reference' | 'sql', source = opened) => {
      const counts = newTally({ waivers }, source);
      const evaluation = await openEvaluation(entries(), { catalog: catalog(), engine: { graceDays: 30, waivers }, kind, duck: { threads: 2 } });
      try {
        await mapFindings(evaluation, counts, { onFinding: async () => undefined });
      } finally {
        evaluation.close();
      }
      return counts.toPartial();
    };
    for (const source of [opened, { ...opened, snapshotId: 'snap-other-0' }]) {
      const reference = await partialOf('reference', source);
      expect(BigInt(reference.summary.recordsPastDeadline)).toBeGreaterThan(2n ** 53n);
      expect(BigInt(reference.forecast.records)).toBeGreaterThan(2n ** 53n);
      expect(reference.otherSnapshots).toHaveLength(OTHER_SNAPSHOTS_KEPT);
      expect(await partialOf('sql', source)).toEqual(reference);
    }
  }, 60_000);
});
