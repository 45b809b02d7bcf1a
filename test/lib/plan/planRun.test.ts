import fc from 'fast-check';
import { DEFAULTS } from '../../../lib/defaults';
import { InputError } from '../../../lib/errors';
import { partitionCount } from '../../../lib/plan/partitionCount';
import { planRun } from '../../../lib/plan/planRun';
import { runsOnStateMachine } from '../../../lib/plan/runsOnStateMachine';
import type { SnapshotSize } from '../../../lib/plan/SnapshotSize';
import { LIMITS, MEASURED } from '../../../lib/plan/throughput';

/** A snapshot of `items` items of the example inventory's average size. */
const size = (items: number, extra: Partial<SnapshotSize> = {}): SnapshotSize => ({
  snapshotId: 'snap',
  items,
  bytes: items * MEASURED.averageItemBytes,
  tableBytes: null,
  source: 'what-if',
  notes: [],
  ...extra,
});

const THRESHOLD = DEFAULTS.distributedThresholdItems;
const USABLE_SECONDS = LIMITS.lambdaTimeoutSeconds - LIMITS.timeReserveSeconds;
const reduceWarning = (warnings: string[]) => warnings.filter((warning) => /reduce/.test(warning));

describe('planRun: one Lambda or the state machine', () => {
  it.each([
    ['0 items', 0],
    ['1 item', 1],
    ['one item below the threshold', THRESHOLD - 1],
  ])('%s: one Lambda (auditWorker), well inside its 15 minutes', (_, items) => {
    const plan = planRun(size(items));
    expect(plan.execution).toBe('single-lambda');
    expect(plan).toMatchObject({ map: null, reduce: null, warnings: [] });
    expect(plan.functions).toEqual([expect.objectContaining({ name: 'auditWorker', invocations: 1, memoryMb: 2048, ephemeralMb: 4096 })]);
    expect(plan.functions[0]!.billedSeconds).toBeLessThan(USABLE_SECONDS / 2);
  });

  it('exactly at distributedThresholdItems: the state machine, the same switch the deployment uses', () => {
    expect(runsOnStateMachine(THRESHOLD - 1)).toBe(false);
    expect(runsOnStateMachine(THRESHOLD)).toBe(true);
    const plan = planRun(size(THRESHOLD));
    expect(plan.execution).toBe('distributed-map');
    expect(plan.map).toMatchObject({ partitions: 16, partitionBound: 'minimum', itemsPerPartition: THRESHOLD / 16, children: 16, maxConcurrency: 16, concurrencyBound: 'children', waves: 1 });
    expect(plan.functions.map(({ name, invocations }) => [name, invocations])).toEqual([
      ['planAudit', 1],
      ['mapPartitions', 16],
      ['reduceAudit', 1],
    ]);
    expect(plan.reduce).toMatchObject({ itemsPerSecond: MEASURED.reduceItemsPerSecond, withinLimits: true });
    expect(reduceWarning(plan.warnings)).toEqual([]);
  });

  it('the plan uses partitionCount, the rule the plan step calls', () => {
    for (const items of [THRESHOLD, 10_000_000, 100_000_000, 5_000_000_000]) expect(planRun(size(items)).map!.partitions).toBe(partitionCount(items));
    expect(planRun(size(100_000_000)).map).toMatchObject({ partitions: 43, partitionBound: 'tmp' });
    expect(planRun(size(5_000_000_000)).warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^At 1,000 partitions, the most the plan step's answer holds/)]));
  });

  it("the reduce's /tmp: the sorts' compressed spill and the reports, as measured (1.727 GB for 1 M items); no lines are staged", () => {
    const { reduce, reportBytes } = planRun(size(1_000_000));
    const reports = Object.values(reportBytes).reduce((sum, bytes) => sum + bytes, 0);
    expect(reduce!.tmpBytes).toBe(1_000_000 * MEASURED.sortSpillBytesPerItem + reports);
    // The reports are sized from the example inventory's findings; the bench's are about 8% larger.
    expect(reduce!.tmpBytes / 1e9).toBeGreaterThan(1.727 * 0.9);
    expect(reduce!.tmpBytes / 1e9).toBeLessThan(1.727 * 1.1);
  });

  it("beyond reduceAudit's /tmp but within Lambda's 10 GiB: raise ephemeralStorageSize", () => {
    const plan = planRun(size(3_000_000), { reduceEphemeralMb: 4096 });
    expect(plan.reduce!.withinLimits).toBe(true);
    expect(reduceWarning(plan.warnings)).toEqual(["The reduce needs about 4.5 GiB of /tmp, more than reduceAudit's 4,096 MB (serverless.yml, ephemeralStorageSize): raise it to at least 4,600 MB (Lambda allows 10,240)."]);
    // As deployed (10,240 MB), 3 M items fit.
    expect(reduceWarning(planRun(size(3_000_000)).warnings)).toEqual([]);
  });

  it('6.5 M items fit the reduce, reports above 5 GiB included (uploaded in parts); 7 M do not, for its /tmp', () => {
    const fits = planRun(size(6_500_000));
    expect(fits.reduce!.withinLimits).toBe(true);
    expect(fits.reportBytes.json).toBeGreaterThan(5 * 1024 ** 3);
    expect(reduceWarning(fits.warnings)).toEqual([]);
    expect(reduceWarning(planRun(size(7_000_000)).warnings)).toEqual([expect.stringMatching(/^The reduce is one Lambda: at 7,000,000 items it needs about 14 min and 10\.5 GiB of \/tmp, beyond its limits \(10 GiB of \/tmp\); this size cannot be audited in AWS as built\.$/)]);
  });

  it('10 M items: the reduce, one Lambda, is beyond its limits, and the plan says so plainly', () => {
    const plan = planRun(size(10_000_000));
    expect(plan.reduce!.withinLimits).toBe(false);
    expect(plan.reduce!.seconds).toBeGreaterThan(USABLE_SECONDS);
    expect(plan.reduce!.tmpBytes).toBeGreaterThan(LIMITS.lambdaMaxEphemeralMb * 2 ** 20);
    expect(reduceWarning(plan.warnings)).toEqual([
      'The reduce is one Lambda: at 10,000,000 items it needs about 19 min and 15.0 GiB of /tmp, beyond its limits (15 minutes, 10 GiB of /tmp); this size cannot be audited in AWS as built.',
    ]);
  });

  it('the map reads only the snapshot: read units follow its bytes; many children on one partition key are warned about', () => {
    const plan = planRun(size(1_000_000));
    expect(plan.map!.peakReadUnitsPerSecond).toBeCloseTo((plan.itemsPerSecond * MEASURED.averageItemBytes * 0.5 * 16) / 4096, 6);
    expect(plan.warnings).toEqual([expect.stringMatching(/^All children Query one partition key \(the snapshot\): about 5,520 read units a second/)]);
    expect(planRun(size(1_000_000), { mapMaxConcurrency: 8 }).warnings).toEqual([]);
    const huge = planRun(size(1_000_000, { bytes: 1_000_000 * 40_000 }), { mapMaxConcurrency: 0 });
    expect(huge.map).toMatchObject({ maxConcurrency: 16, concurrencyBound: 'children' });
    expect(huge.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/above the table's default quota of 40,000: set mapMaxConcurrency to \d+ or less/)]));
  });

  it('the thresholds and the map settings are parameters', () => {
    expect(planRun(size(10), { distributedThresholdItems: 10 }).execution).toBe('distributed-map');
    expect(planRun(size(10_000_000), { partitions: 40 }).map!.partitions).toBe(40);
    const batched = planRun(size(10_000_000), { mapItemsPerBatch: 4 }).map!;
    expect(batched).toMatchObject({ partitions: 16, children: 4, itemsPerChild: 4 * batched.itemsPerPartition });
    expect(planRun(size(10_000_000), { mapMaxConcurrency: 5 }).map).toMatchObject({ maxConcurrency: 5, concurrencyBound: 'parameter', waves: 4 });
    expect(planRun(size(10_000_000), { engine: 'sql' }).itemsPerSecond).toBeLessThan(planRun(size(10_000_000)).itemsPerSecond);
  });

  it('a threshold too high for one Lambda is said so', () => {
    expect(planRun(size(20_000_000), { distributedThresholdItems: 50_000_000 }).warnings).toEqual([expect.stringMatching(/^One Lambda would need about \d+ min .*: lower distributedThresholdItems\.$/)]);
  });

  it('refuses sizes and options that are not counts', () => {
    expect(() => planRun(size(-1))).toThrow(InputError);
    expect(() => planRun(size(1.5))).toThrow(/whole number/);
    expect(() => planRun(size(10), { mapItemsPerBatch: 0 })).toThrow(/mapItemsPerBatch/);
    expect(() => planRun(size(10), { mapMaxConcurrency: -1 })).toThrow(/mapMaxConcurrency/);
    expect(() => planRun(size(10), { partitions: 1001 })).toThrow(/partitions/);
  });

  it('any size: the partitions cover every item, the children every partition; a reduce within its limits fits them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), fc.integer({ min: 1, max: 16 }), (items, batch) => {
        const plan = planRun(size(items), { mapItemsPerBatch: batch });
        if (!plan.map || !plan.reduce) return items < THRESHOLD;
        const { partitions, itemsPerPartition, children, maxConcurrency } = plan.map;
        const fits = plan.reduce.seconds <= USABLE_SECONDS && plan.reduce.tmpBytes <= LIMITS.lambdaMaxEphemeralMb * 2 ** 20;
        return (
          partitions * itemsPerPartition >= items &&
          children * batch >= partitions &&
          (children - 1) * batch < partitions &&
          maxConcurrency >= 1 &&
          maxConcurrency <= DEFAULTS.mapMaxConcurrency &&
          (!plan.reduce.withinLimits || fits)
        );
      }),
    );
  });
});
