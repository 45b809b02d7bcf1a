import fc from 'fast-check';
import { DEFAULTS } from '../../../lib/defaults';
import { InputError } from '../../../lib/errors';
import { planRun } from '../../../lib/plan/planRun';
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
const EXPORT = DEFAULTS.exportThresholdItems;

describe('planRun: one Lambda or a Distributed Map', () => {
  it.each([
    ['0 items', 0],
    ['1 item', 1],
    ['one item below the threshold', THRESHOLD - 1],
  ])('%s: one Lambda, well inside its 15 minutes', (_, items) => {
    const plan = planRun(size(items));
    expect(plan.execution).toBe('single-lambda');
    expect(plan.map).toBeNull();
    expect(plan.reduce).toBeNull();
    expect(plan.lambda.invocations).toBe(1);
    expect(plan.lambda.billedSeconds).toBeLessThan(LIMITS.lambdaTimeoutSeconds / 2);
    expect(plan.warnings).toEqual([]);
  });

  it('exactly at distributedThresholdItems: a Distributed Map over Scan segments', () => {
    const plan = planRun(size(THRESHOLD));
    expect(plan.execution).toBe('distributed-map');
    // Two children at least: a map of one child would be one Lambda with more steps.
    expect(plan.map).toMatchObject({ partitionKind: 'scan-segments', children: 2, partitions: 2, itemsPerPartition: THRESHOLD / 2 });
    expect(plan.lambda.invocations).toBe(4); // plan, two children, reduce
  });

  it('exactly at exportThresholdItems: still Scan segments; one item more: the files of an export', () => {
    expect(planRun(size(EXPORT)).map?.partitionKind).toBe('scan-segments');
    const plan = planRun(size(EXPORT + 1));
    expect(plan.map?.partitionKind).toBe('export-files');
    expect(plan.map?.exportMinutes).toBeGreaterThan(0);
    expect(plan.map?.peakReadUnitsPerSecond).toBe(0);
  });

  it('100 M items: an export, children within Express and Lambda limits, one S3 part each', () => {
    const plan = planRun(size(100_000_000));
    const map = plan.map!;
    expect(map.partitionKind).toBe('export-files');
    expect(map.children * map.itemsPerChild).toBeGreaterThanOrEqual(100_000_000);
    expect(map.secondsPerChild).toBeLessThanOrEqual(240);
    expect(map.secondsPerChild).toBeLessThan(LIMITS.expressMaxSeconds);
    expect(map.itemsPerChild * MEASURED.findingJsonBytes).toBeLessThanOrEqual(LIMITS.s3MaxPartBytes);
    expect(map.children).toBeLessThanOrEqual(LIMITS.s3MaxParts);
    expect(plan.reduce).toMatchObject({ partsPerReport: map.children, concatenated: ['json', 'csv'] });
    expect(plan.reportBytes).toEqual({ json: 92_000_000_000, csv: 54_000_000_000, pdf: expect.any(Number) });
  });

  it('the thresholds and the map settings are parameters', () => {
    expect(planRun(size(10), { distributedThresholdItems: 10 }).execution).toBe('distributed-map');
    expect(planRun(size(10), { distributedThresholdItems: 0, exportThresholdItems: 9 }).map?.partitionKind).toBe('export-files');
    const batched = planRun(size(10_000_000), { mapItemsPerBatch: 4 }).map!;
    expect(batched.partitions).toBe(batched.children * 4);
    expect(batched.itemsPerPartition * 4).toBeGreaterThanOrEqual(batched.itemsPerChild);
    expect(planRun(size(100_000_000), { mapMaxConcurrency: 10 }).map).toMatchObject({ maxConcurrency: 10, concurrencyBound: 'parameter', waves: 8 });
  });

  it('a Scan of large items stays under the table read quota by lowering MaxConcurrency', () => {
    const map = planRun(size(10_000_000, { bytes: 10_000_000 * 40_000 }), { mapMaxConcurrency: 1000 }).map!;
    expect(map.concurrencyBound).toBe('table read quota');
    expect(map.peakReadUnitsPerSecond).toBeLessThanOrEqual(LIMITS.tableReadUnitsPerSecond);
  });

  it('a Scan of a table holding other snapshots warns that it reads them too', () => {
    const plan = planRun(size(1_000_000, { tableBytes: 4 * 1_000_000 * MEASURED.averageItemBytes }));
    expect(plan.warnings).toEqual([expect.stringMatching(/whole table.*25%/)]);
  });

  it('a threshold too high for one Lambda is said so', () => {
    expect(planRun(size(20_000_000), { distributedThresholdItems: 50_000_000 }).warnings).toEqual([expect.stringMatching(/beyond its 15 minutes/)]);
  });

  it('refuses sizes and options that are not counts', () => {
    expect(() => planRun(size(-1))).toThrow(InputError);
    expect(() => planRun(size(1.5))).toThrow(/whole number/);
    expect(() => planRun(size(10), { mapItemsPerBatch: 0 })).toThrow(/mapItemsPerBatch/);
  });

  it('any size: the children cover every item, each inside its budget, /tmp and S3 part', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), fc.integer({ min: 1, max: 16 }), (items, batch) => {
        const plan = planRun(size(items), { mapItemsPerBatch: batch });
        if (!plan.map) return items < THRESHOLD;
        const { children, itemsPerChild, partitions, itemsPerPartition, secondsPerChild, maxConcurrency } = plan.map;
        return (
          children * itemsPerChild >= items &&
          partitions * itemsPerPartition >= items &&
          secondsPerChild <= 240 &&
          itemsPerChild * (MEASURED.findingJsonBytes + MEASURED.findingCsvBytes + MEASURED.findingParquetBytes) <= (4096 * 2 ** 20) / 2 &&
          maxConcurrency >= 1 &&
          maxConcurrency <= DEFAULTS.mapMaxConcurrency
        );
      }),
    );
  });
});
