import type { FormatId } from '../../../lib/report/formats/formatIds';
import fc from 'fast-check';
import { DEFAULTS } from '../../../lib/defaults';
import { InputError } from '../../../lib/errors';
import { partitionCount } from '../../../lib/plan/partitionCount';
import { planPartitionCount } from '../../../lib/plan/partitionCount';
import type { PlanOptions } from '../../../lib/plan/planOptions';
import { planRun, type RunPlan } from '../../../lib/plan/planRun';
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
const assemblyWarning = (warnings: string[]) => warnings.filter((warning) => /^An assembly child/.test(warning));
/** The warnings but the one every map at the defaults gives (its children all Query one partition key). */
const limitWarnings = (warnings: string[]) => warnings.filter((warning) => !/^All children Query/.test(warning));
/** Every step of a run on the state machine within its limits: the map's partitions (not capped), every diff and assembly child, the reduce. */
const withinLimits = (plan: RunPlan) =>
  plan.map!.partitionBound !== 'cap' && (plan.diff?.withinLimits ?? true) && plan.assembly!.withinLimits && plan.reduce!.withinLimits;
/** The largest snapshot within limits for these options: bisection on planRun, from the threshold (which fits) to `high` (which must not). */
function largestWithinLimits(options: Partial<PlanOptions>, high: number): number {
  let [fits, fails] = [THRESHOLD, high];
  expect(withinLimits(planRun(size(fits), options))).toBe(true);
  expect(withinLimits(planRun(size(fails), options))).toBe(false);
  while (fails - fits > 1) {
    const middle = Math.floor((fits + fails) / 2);
    if (withinLimits(planRun(size(middle), options))) fits = middle;
    else fails = middle;
  }
  return fits;
}
/** The largest snapshot the state machine audits as built, with history and the nightly formats: found by bisection on planRun (see the test). */
const LARGEST = 213_691_780;

describe('planRun: one Lambda or the state machine', () => {
  it.each([
    ['0 items', 0],
    ['1 item', 1],
    ['one item below the threshold', THRESHOLD - 1],
  ])('%s: one Lambda (auditWorker), well inside its 15 minutes', (_, items) => {
    const plan = planRun(size(items));
    expect(plan.execution).toBe('single-lambda');
    expect(plan).toMatchObject({ map: null, diff: null, assembly: null, reduce: null, warnings: [] });
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
      ['assembleParts', 16],
      ['reduceAudit', 1],
    ]);
    expect(plan.assembly).toMatchObject({ parts: 16, children: 16, itemsPerSecond: MEASURED.mergeItemsPerSecond, withinLimits: true });
    expect(plan.reduce).toMatchObject({ storesReports: true, withinLimits: true });
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
    // The diff's and the assembly's waves come between the map's and the reduce.
    expect(plan.wallSeconds).toBeCloseTo(5 + plan.map!.secondsPerChild + plan.diff!.secondsPerChild + plan.assembly!.secondsPerChild + plan.reduce!.seconds, 9);
    expect(diffWarning(plan.warnings)).toEqual([]);
  });

  it("without history (a dry run): no diff step; the assembly merges the partitions' files, sorted by itemId; the reduce stores no report", () => {
    const plan = planRun(size(1_000_000), { history: false });
    expect(plan.diff).toBeNull();
    expect(plan.functions.map(({ name }) => name)).toEqual(['planAudit', 'mapPartitions', 'assembleParts', 'reduceAudit']);
    expect(plan.map!.linesBytes).toBe(1_000_000 * keyedLineBytes(false));
    expect(plan.assembly!.readBytes).toBe(plan.map!.linesBytes);
    expect(planRun(size(1_000_000)).assembly!.readBytes).toBe(1_000_000 * MEASURED.compressedFindingBytes);
    // A dry run stores no report (completeRun), so its reduce puts none together, writes none and keeps no history.
    expect(plan.reduce).toMatchObject({ storesReports: false, assembled: [], written: [], tmpBytes: 0, seconds: ASSUMED.reduceBaseSeconds, withinLimits: true });
    // One Lambda: with history it diffs too, so it takes longer.
    expect(planRun(size(100_000), { history: false }).wallSeconds).toBeLessThan(planRun(size(100_000)).wallSeconds);
  });

  it(`the largest snapshot within limits, by bisection on planRun: ${LARGEST.toLocaleString('en-US')} items with history; one more and the reduce outgrows its 15 minutes (putting the JSON and CSV together in S3)`, () => {
    expect(largestWithinLimits({}, 1_000_000_000)).toBe(LARGEST);
    expect(LARGEST).toBeGreaterThan(100_000_000);
    const fits = planRun(size(LARGEST));
    expect(limitWarnings(fits.warnings)).toEqual([]);
    expect(fits.diff!.secondsPerChild).toBeLessThan(USABLE_SECONDS);
    const beyond = planRun(size(LARGEST + 1));
    expect(beyond.reduce!.seconds).toBeGreaterThan(USABLE_SECONDS);
    // Its /tmp holds the PDF only: the JSON and CSV are put together in S3.
    expect(beyond.reduce!.tmpBytes).toBe(ASSUMED.pdfBytes);
    expect(beyond.diff!.withinLimits && beyond.assembly!.withinLimits).toBe(true);
    expect(limitWarnings(beyond.warnings)).toEqual([
      `The reduce is one Lambda: at ${(LARGEST + 1).toLocaleString('en-US')} items it needs about 14 min (13 min to put the JSON and CSV together in S3 and hash them), beyond its limits (15 minutes): this size cannot be audited in AWS as built.`,
    ]);
  });

  it("without history (a dry run, whose reduce writes nothing) the map binds: 1,000 partitions, each within half of a map child's /tmp", () => {
    const largest = largestWithinLimits({ history: false }, 2_000_000_000);
    expect(largest).toBe(LIMITS.maxPartitions * planPartitionCount(largest).itemsPerPartitionLimit);
    expect(planRun(size(largest + 1), { history: false }).map!.partitionBound).toBe('cap');
  });

  it('10 M items, the nightly formats: every step within its limits, the reduce well inside its 15 minutes, its /tmp holding the PDF only', () => {
    const plan = planRun(size(10_000_000));
    expect(withinLimits(plan)).toBe(true);
    expect(plan.reduce!.seconds).toBeLessThan(USABLE_SECONDS / 2);
    expect(plan.reduce!.tmpBytes).toBe(ASSUMED.pdfBytes);
    expect(limitWarnings(plan.warnings)).toEqual([]);
  });

  it('HTML: the reduce writes it itself from the JSON parts, within its 15 minutes at 10 M items, beyond at 13 M, and is told to leave it out', () => {
    const formats = { formats: ['json', 'csv', 'pdf', 'html'] as FormatId[] };
    expect(planRun(size(10_000_000), formats).reduce).toMatchObject({ written: ['pdf', 'html'], fed: ['html'], withinLimits: true });
    const plan = planRun(size(13_000_000), formats);
    expect(plan.reduce).toMatchObject({ written: ['pdf', 'html'], fed: ['html'], withinLimits: false });
    expect(limitWarnings(plan.warnings)).toEqual([
      expect.stringMatching(/^The reduce is one Lambda: at 13,000,000 items it needs about 1\d min \(\d min to put the JSON and CSV together in S3 and hash them, 1\d min to write the HTML from the JSON parts\) and 3\.0 GiB of \/tmp for the PDF and HTML, beyond its limits \(15 minutes\): leave out html for runs this large \(the reduce writes it itself from the JSON parts; the JSON and CSV are put together in S3\)\.$/),
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

  it('at 100 M items every step fits: each diff child reads and writes only its ranges\' history parts, each assembly child its part, and the reduce copies and hashes', () => {
    const plan = planRun(size(100_000_000));
    expect(plan.diff).toMatchObject({ ranges: 56, statesPerChild: 1_785_715, withinLimits: true });
    expect(plan.diff!.secondsPerChild).toBeGreaterThan(1_785_715 / ASSUMED.previousStatesPerSecond + 1_785_715 / ASSUMED.historyStatesWrittenPerSecond);
    expect(diffWarning(plan.warnings)).toEqual([]);
    // The assembly scales with the partitions: 56 parts, each child well within its limits.
    expect(plan.assembly).toMatchObject({ parts: 56, children: 56, withinLimits: true });
    expect(assemblyWarning(plan.warnings)).toEqual([]);
    expect(reduceWarning(plan.warnings)).toEqual([]);
    expect(plan.reduce!.seconds).toBeLessThan(USABLE_SECONDS);
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
    expect(() => planRun(size(10), { assembleMemoryMb: 0 })).toThrow(/assembleMemoryMb/);
    expect(() => planRun(size(10), { assembleEphemeralMb: -1 })).toThrow(/assembleEphemeralMb/);
  });

  it('any size: the partitions cover every item, the children every partition, the diff ranges and report parts (as many) every item; a reduce within its limits fits them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), fc.integer({ min: 1, max: 16 }), fc.boolean(), (items, batch, history) => {
        const plan = planRun(size(items), { mapItemsPerBatch: batch, history });
        if (!plan.map || !plan.reduce) return items < THRESHOLD && plan.diff === null && plan.assembly === null;
        const { partitions, itemsPerPartition, children, maxConcurrency } = plan.map;
        const fits = plan.reduce.seconds <= USABLE_SECONDS && plan.reduce.tmpBytes <= LIMITS.lambdaMaxEphemeralMb * 2 ** 20;
        const diff = plan.diff;
        const assembly = plan.assembly!;
        const assemblyCovers =
          assembly.parts === partitions && assembly.parts * assembly.itemsPerPart >= items && assembly.children * batch >= assembly.parts && (assembly.children - 1) * batch < assembly.parts;
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
          assemblyCovers &&
          (!plan.reduce.withinLimits || fits)
        );
      }),
    );
  });
});
