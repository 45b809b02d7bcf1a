import fc from 'fast-check';
import { DEFAULTS } from '../../../lib/defaults';
import { InputError } from '../../../lib/errors';
import { partitionCount } from '../../../lib/plan/partitionCount';
import { planRun } from '../../../lib/plan/planRun';
import { runsOnStateMachine } from '../../../lib/plan/runsOnStateMachine';
import type { SnapshotSize } from '../../../lib/plan/SnapshotSize';
import { ASSUMED, keyedLineBytes, LIMITS, MEASURED } from '../../../lib/plan/throughput';

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
const diffWarning = (warnings: string[]) => warnings.filter((warning) => /^A diff child/.test(warning));
const reportsOf = (bytes: Partial<Record<string, number>>) => Object.values(bytes).reduce((sum: number, b) => sum + b!, 0);
/** The largest snapshot the state machine audits as built, found by bisection on planRun (see the test). */
const LARGEST = 7_353_026;

describe('planRun: one Lambda or the state machine', () => {
  it.each([
    ['0 items', 0],
    ['1 item', 1],
    ['one item below the threshold', THRESHOLD - 1],
  ])('%s: one Lambda (auditWorker), well inside its 15 minutes', (_, items) => {
    const plan = planRun(size(items));
    expect(plan.execution).toBe('single-lambda');
    expect(plan).toMatchObject({ map: null, diff: null, reduce: null, warnings: [] });
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
      ['diffRanges', 16],
      ['reduceAudit', 1],
    ]);
    expect(plan.reduce).toMatchObject({ itemsPerSecond: MEASURED.reduceItemsPerSecond, withinLimits: true });
    expect(reduceWarning(plan.warnings)).toEqual([]);
  });

  it('the plan uses partitionCount, the rule the plan step calls', () => {
    for (const items of [THRESHOLD, 10_000_000, 100_000_000, 5_000_000_000]) expect(planRun(size(items)).map!.partitions).toBe(partitionCount(items));
    expect(planRun(size(100_000_000)).map).toMatchObject({ partitions: 56, partitionBound: 'tmp' });
    expect(planRun(size(5_000_000_000)).warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^At 1,000 partitions, the most the plan step's answer holds/)]));
  });

  it('1 M items with history: a diff step of 16 ranges (as many as partitions), one child each, well within a diff child', () => {
    const plan = planRun(size(1_000_000));
    expect(plan.diff).toMatchObject({ ranges: 16, itemsPerRange: 62_500, maxItemsPerBatch: 1, children: 16, itemsPerChild: 62_500, itemsPerSecond: MEASURED.diffItemsPerSecond, maxConcurrency: 16, waves: 1, withinLimits: true });
    // One range at a time: its merge's compressed spill, then its sort's.
    expect(plan.diff!.tmpBytesPerChild).toBe(2 * 62_500 * MEASURED.sortSpillBytesPerItem);
    expect(plan.diff!.secondsPerChild).toBeLessThan(USABLE_SECONDS / 10);
    expect(plan.diff!.findingsBytes).toBe(1_000_000 * MEASURED.compressedFindingBytes);
    expect(plan.functions.find((fn) => fn.name === 'diffRanges')).toMatchObject({ memoryMb: 2048, ephemeralMb: 4096, invocations: 16, billedSeconds: 16 * plan.diff!.secondsPerChild });
    expect(plan.map!.linesBytes).toBe(1_000_000 * keyedLineBytes(true));
    // The diff's waves come between the map's and the reduce.
    expect(plan.wallSeconds).toBeCloseTo(5 + plan.map!.secondsPerChild + plan.diff!.secondsPerChild + plan.reduce!.seconds, 9);
    expect(diffWarning(plan.warnings)).toEqual([]);
  });

  it('without history (a dry run): no diff step; the reduce merges the partitions\' files, sorted by itemId', () => {
    const plan = planRun(size(1_000_000), { history: false });
    expect(plan.diff).toBeNull();
    expect(plan.functions.map(({ name }) => name)).toEqual(['planAudit', 'mapPartitions', 'reduceAudit']);
    expect(plan.map!.linesBytes).toBe(1_000_000 * keyedLineBytes(false));
    expect(plan.reduce!.readBytes).toBe(plan.map!.linesBytes);
    expect(planRun(size(1_000_000)).reduce!.readBytes).toBe(1_000_000 * MEASURED.compressedFindingBytes);
    // One Lambda: with history it diffs too, so it takes longer.
    expect(planRun(size(100_000), { history: false }).wallSeconds).toBeLessThan(planRun(size(100_000)).wallSeconds);
  });

  it("the reduce's /tmp is the reports only: it counts, sorts and diffs nothing", () => {
    for (const history of [true, false]) {
      const { reduce, reportBytes } = planRun(size(1_000_000), { history });
      expect(reduce!.tmpBytes).toBe(reportsOf(reportBytes));
    }
    const { reduce, reportBytes } = planRun(size(1_000_000), { formats: ['json'] });
    expect(reduce!.tmpBytes).toBe(reportBytes.json);
  });

  it("the reduce's time: its base, the merge at its rate, and what it moves to and from S3", () => {
    const { reduce, reportBytes } = planRun(size(2_000_000));
    expect(reduce!.seconds).toBeCloseTo(60 + 2_000_000 / MEASURED.reduceItemsPerSecond + (2_000_000 * MEASURED.compressedFindingBytes + reportsOf(reportBytes)) / 80_000_000, 9);
  });

  it("beyond reduceAudit's /tmp but within Lambda's 10 GiB: raise ephemeralStorageSize", () => {
    const plan = planRun(size(3_000_000), { reduceEphemeralMb: 4096 });
    expect(plan.reduce!.withinLimits).toBe(true);
    expect(reduceWarning(plan.warnings)).toEqual(["The reduce needs about 4.1 GiB of /tmp for the reports, more than reduceAudit's 4,096 MB (serverless.yml, ephemeralStorageSize): raise it to at least 4,180 MB (Lambda allows 10,240)."]);
    // As deployed (10,240 MB), 3 M items fit.
    expect(reduceWarning(planRun(size(3_000_000)).warnings)).toEqual([]);
  });

  it(`the largest snapshot within limits: ${LARGEST.toLocaleString('en-US')} items; one more and the reports outgrow the reduce's /tmp, its only binding limit`, () => {
    // Found by bisection on planRun (the reduce and every diff child within their limits), the same with and without history.
    for (const history of [true, false]) {
      const fits = planRun(size(LARGEST), { history });
      expect(fits.reduce!.withinLimits && (fits.diff?.withinLimits ?? true)).toBe(true);
      expect(fits.reportBytes.json).toBeGreaterThan(5 * 1024 ** 3);
      expect(fits.reduce!.seconds).toBeLessThan(USABLE_SECONDS * 0.8);
      expect(reduceWarning(fits.warnings)).toEqual([]);
      const beyond = planRun(size(LARGEST + 1), { history });
      expect(beyond.diff?.withinLimits ?? true).toBe(true);
      expect(beyond.reduce!.tmpBytes).toBeGreaterThan(LIMITS.lambdaMaxEphemeralMb * 2 ** 20);
      expect(reduceWarning(beyond.warnings)).toEqual([expect.stringMatching(/^The reduce is one Lambda: at 7,353,027 items it needs about \d+ min, and 10\.0 GiB of \/tmp for the reports, beyond its limits \(10 GiB of \/tmp\); this size cannot be audited in AWS as built\.$/)]);
    }
  });

  it('10 M items: the reports are beyond the reduce\'s /tmp (its time still fits), and the plan says so plainly', () => {
    const plan = planRun(size(10_000_000));
    expect(plan.reduce!.withinLimits).toBe(false);
    expect(plan.reduce!.seconds).toBeLessThan(USABLE_SECONDS);
    expect(plan.reduce!.tmpBytes).toBeGreaterThan(LIMITS.lambdaMaxEphemeralMb * 2 ** 20);
    expect(plan.diff!.withinLimits).toBe(true);
    expect(reduceWarning(plan.warnings)).toEqual([
      'The reduce is one Lambda: at 10,000,000 items it needs about 13 min, and 13.6 GiB of /tmp for the reports, beyond its limits (10 GiB of /tmp); this size cannot be audited in AWS as built.',
    ]);
  });

  it("a diff child beyond its 15 minutes or its /tmp is warned about: more partitions make smaller ranges", () => {
    const plan = planRun(size(10_000_000), { diffMemoryMb: 64, diffEphemeralMb: 128 });
    expect(plan.diff!.withinLimits).toBe(false);
    expect(diffWarning(plan.warnings)).toEqual([
      expect.stringMatching(/^A diff child needs about \d+ min for its 625,000 items and 0\.2 GiB of \/tmp for a range, beyond its limits \(15 minutes, 0\.1 GiB of \/tmp\): more partitions \(stage param partitions\) make more, smaller diff ranges\.$/),
    ]);
    expect(diffWarning(planRun(size(10_000_000), { diffMemoryMb: 64, mapItemsPerBatch: 4 }).warnings)).toEqual([expect.stringMatching(/, or lower mapItemsPerBatch\.$/)]);
  });

  it('at 100 M items every diff child reads the previous states whole for longer than ranges can help, and says so', () => {
    const plan = planRun(size(100_000_000));
    expect(plan.diff).toMatchObject({ ranges: 56, previousStates: 100_000_000, withinLimits: false });
    expect(plan.diff!.secondsPerChild).toBeGreaterThan(100_000_000 / ASSUMED.previousStatesPerSecond);
    expect(diffWarning(plan.warnings)).toEqual([
      expect.stringMatching(/: every child reads the previous run's 100,000,000 states whole \(about 17 min\), which no number of ranges shortens: the history is not kept by range\.$/),
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
    expect(() => planRun(size(10), { diffEphemeralMb: 0 })).toThrow(/diffEphemeralMb/);
  });

  it('any size: the partitions cover every item, the children every partition, the diff ranges (as many) every item; a reduce within its limits fits them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), fc.integer({ min: 1, max: 16 }), fc.boolean(), (items, batch, history) => {
        const plan = planRun(size(items), { mapItemsPerBatch: batch, history });
        if (!plan.map || !plan.reduce) return items < THRESHOLD && plan.diff === null;
        const { partitions, itemsPerPartition, children, maxConcurrency } = plan.map;
        const fits = plan.reduce.seconds <= USABLE_SECONDS && plan.reduce.tmpBytes <= LIMITS.lambdaMaxEphemeralMb * 2 ** 20;
        const diff = plan.diff;
        const diffCovers = history
          ? diff !== null && diff.ranges === partitions && diff.ranges * diff.itemsPerRange >= items && diff.children * batch >= diff.ranges && (diff.children - 1) * batch < diff.ranges && diff.maxConcurrency >= 1
          : diff === null;
        return (
          partitions * itemsPerPartition >= items &&
          children * batch >= partitions &&
          (children - 1) * batch < partitions &&
          maxConcurrency >= 1 &&
          maxConcurrency <= DEFAULTS.mapMaxConcurrency &&
          diffCovers &&
          (!plan.reduce.withinLimits || fits)
        );
      }),
    );
  });
});
