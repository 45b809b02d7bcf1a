import { partFormats } from '../../../lib/partitioned/assemblePart';
import { assemblyWarnings, planAssembly } from '../../../lib/plan/planAssembly';
import { DEFAULT_PLAN_OPTIONS, type PlanOptions } from '../../../lib/plan/planOptions';
import { planRun } from '../../../lib/plan/planRun';
import type { SnapshotSize } from '../../../lib/plan/SnapshotSize';
import { ASSUMED, keyedLineBytes, LIMITS, MEASURED, USABLE_SECONDS } from '../../../lib/plan/throughput';
import { FORMAT_IDS, type FormatId } from '../../../lib/report/formats/formatIds';

const size = (items: number): SnapshotSize => ({ snapshotId: 'snap', items, bytes: items * MEASURED.averageItemBytes, tableBytes: null, source: 'what-if', notes: [] });
const options = (overrides: Partial<PlanOptions> = {}): PlanOptions => ({ ...DEFAULT_PLAN_OPTIONS, ...overrides });
/** A part's JSON and CSV, an item. */
const PART_BYTES_PER_ITEM = MEASURED.findingJsonBytes + MEASURED.findingCsvBytes;
const MIB = 2 ** 20;

describe('planAssembly: the AssembleParts map', () => {
  it('writes JSON always and CSV when the run does: the formats with an assembly, as the children choose them', () => {
    const subsets: FormatId[][] = [['json', 'csv', 'pdf'], ['pdf', 'csv'], ['html'], ['csv'], ['parquet', 'ocsf', 'json'], [...FORMAT_IDS]];
    for (const formats of subsets) expect(planAssembly(1_000_000, 16, options({ formats }), 16).formats).toEqual(partFormats(formats));
    expect(partFormats([...FORMAT_IDS])).toEqual(['json', 'csv']);
  });

  it('1 M items with history: as many parts as partitions, one a child, each streaming its compressed findings and writing its JSON and CSV', () => {
    const assembly = planRun(size(1_000_000)).assembly!;
    expect(assembly).toMatchObject({
      parts: 16,
      itemsPerPart: 62_500,
      formats: ['json', 'csv'],
      bytesPerPart: { json: 62_500 * MEASURED.findingJsonBytes, csv: 62_500 * MEASURED.findingCsvBytes },
      maxItemsPerBatch: 1,
      children: 16,
      itemsPerChild: 62_500,
      itemsPerSecond: MEASURED.mergeItemsPerSecond,
      readBytes: 1_000_000 * MEASURED.compressedFindingBytes,
      maxConcurrency: 16,
      waves: 1,
      tmpBytesPerChild: 62_500 * PART_BYTES_PER_ITEM,
      partsBytes: 1_000_000 * PART_BYTES_PER_ITEM,
      withinLimits: true,
    });
    // Its fixed work, the merge at the measured rate, and what it moves: the findings in, the part's files out.
    expect(assembly.secondsPerChild).toBeCloseTo(ASSUMED.assembleBaseSeconds + 62_500 / 20_000 + (62_500 * (MEASURED.compressedFindingBytes + PART_BYTES_PER_ITEM)) / ASSUMED.s3BytesPerSecond, 9);
  });

  it("without history it reads the partitions' uncompressed sorted lines, which takes longer", () => {
    const dry = planRun(size(1_000_000), { history: false }).assembly!;
    expect(dry.readBytes).toBe(1_000_000 * keyedLineBytes(false));
    expect(dry.secondsPerChild).toBeGreaterThan(planRun(size(1_000_000)).assembly!.secondsPerChild);
  });

  it('a run without CSV writes JSON parts only; a batch of parts is written one after the other, one part in /tmp at a time', () => {
    expect(planRun(size(1_000_000), { formats: ['json', 'pdf'] }).assembly).toMatchObject({ formats: ['json'], tmpBytesPerChild: 62_500 * MEASURED.findingJsonBytes });
    const batched = planRun(size(10_000_000), { mapItemsPerBatch: 4 }).assembly!;
    expect(batched).toMatchObject({ parts: 16, children: 4, itemsPerChild: 4 * 625_000, tmpBytesPerChild: 625_000 * PART_BYTES_PER_ITEM });
    expect(planRun(size(10_000_000), { mapMaxConcurrency: 5 }).assembly).toMatchObject({ maxConcurrency: 5, waves: 4 });
  });

  it("its /tmp at the limit: a part's JSON and CSV exactly the child's ephemeral storage fit; a MiB less and the plan says so", () => {
    // 16 parts of 262,144 items: 262,144 × 1,460 bytes = 365 MiB exactly.
    const items = 16 * 262_144;
    expect(262_144 * PART_BYTES_PER_ITEM).toBe(365 * MIB);
    const fits = planRun(size(items), { assembleEphemeralMb: 365 });
    expect(fits.assembly).toMatchObject({ parts: 16, tmpBytesPerChild: 365 * MIB, withinLimits: true });
    expect(fits.warnings.filter((warning) => /assembly/.test(warning))).toEqual([]);
    const beyond = planRun(size(items), { assembleEphemeralMb: 364 });
    expect(beyond.assembly!.withinLimits).toBe(false);
    expect(beyond.warnings.filter((warning) => /assembly/.test(warning))).toEqual([
      'An assembly child needs about 1 min for its 262,144 items and 0.4 GiB of /tmp for a part, beyond its limits (0.4 GiB of /tmp): more partitions (stage param partitions) make more, smaller parts.',
    ]);
    expect(planRun(size(items), { assembleEphemeralMb: 364, formats: ['json', 'pdf'] }).assembly!.withinLimits).toBe(true);
  });

  it('its time at the limit: the most items a child writes within its 15 minutes less the reserve, and one more', () => {
    // One part of every item, /tmp out of the way: 20 s + n × (1/20,000 + (137 + 1,460) / 80,000,000) ≤ 840 s.
    const roomy = options({ assembleEphemeralMb: 100 * 1024 });
    const most = 11_720_564;
    const fits = planAssembly(most, 1, roomy, 100);
    expect(fits.secondsPerChild).toBeLessThanOrEqual(USABLE_SECONDS);
    expect(fits.withinLimits).toBe(true);
    const beyond = planAssembly(most + 1, 1, roomy, 100);
    expect(beyond.secondsPerChild).toBeGreaterThan(USABLE_SECONDS);
    expect(beyond.withinLimits).toBe(false);
    expect(assemblyWarnings(beyond, roomy)).toEqual([
      'An assembly child needs about 14 min for its 11,720,565 items and 15.9 GiB of /tmp for a part, beyond its limits (15 minutes): more partitions (stage param partitions) make more, smaller parts.',
    ]);
    // With batches of several parts, a smaller batch helps too.
    const batched = planAssembly(4 * (most + 1), 4, { ...roomy, mapItemsPerBatch: 4 }, 100);
    expect(assemblyWarnings(batched, { ...roomy, mapItemsPerBatch: 4 })).toEqual([expect.stringMatching(/beyond its limits \(15 minutes\): more partitions \(stage param partitions\) make more, smaller parts, or lower mapItemsPerBatch\.$/)]);
  });

  it("at the defaults every child stays within its limits up to the partitions' cap: a partition's lines bound a part", () => {
    for (const items of [10_000_000, 100_000_000, 1_000_000_000]) {
      const { assembly } = planRun(size(items));
      expect(assembly!.withinLimits).toBe(true);
      expect(assembly!.tmpBytesPerChild).toBeLessThan(LIMITS.lambdaMaxEphemeralMb * MIB);
    }
  });

  it('an assembleParts function with its invocations and billed seconds', () => {
    const plan = planRun(size(10_000_000), { assembleMemoryMb: 3008, assembleEphemeralMb: 2048 });
    expect(plan.functions.find((fn) => fn.name === 'assembleParts')).toEqual({
      name: 'assembleParts',
      memoryMb: 3008,
      ephemeralMb: 2048,
      invocations: 16,
      billedSeconds: 16 * plan.assembly!.secondsPerChild,
    });
    // Below 1,769 MB a child gets less than a core, and merges slower.
    expect(planRun(size(10_000_000), { assembleMemoryMb: 1024 }).assembly!.itemsPerSecond).toBeLessThan(MEASURED.mergeItemsPerSecond);
  });
});
