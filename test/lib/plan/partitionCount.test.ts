import fc from 'fast-check';
import defaults from '../../../lib/defaults.json';
import { InputError } from '../../../lib/errors';
import { PARTITION_STAGING_BYTES_PER_ITEM, partitionCount, planPartitionCount } from '../../../lib/plan/partitionCount';
import { LIMITS, MEASURED, readAndEvaluateRate } from '../../../lib/plan/throughput';

/** Items of one partition whose sorted findings file and sort spill fit half of a map child's 4 GiB of /tmp: the tighter bound at the defaults. */
const TMP_LIMIT = Math.floor(2 ** 31 / PARTITION_STAGING_BYTES_PER_ITEM);

describe('partitionCount: one rule for run --explain and the plan step', () => {
  it('the minimum is the stage param partitions, 16 by default (lib/defaults.json)', () => {
    expect(defaults.partitions).toBe(16);
    for (const items of [0, 1, 500_000, 10_000_000]) expect(planPartitionCount(items)).toMatchObject({ partitions: 16, bound: 'minimum' });
    expect(partitionCount(10_000_000, { partitions: 8 })).toBe(8);
  });

  it("a child stages its partition's sorted findings (keyed lines, the longer diff key) and the sort's compressed spill", () => {
    expect(PARTITION_STAGING_BYTES_PER_ITEM).toBe(MEASURED.findingJsonBytes + MEASURED.findingKeyBytes.history + MEASURED.sortSpillBytesPerItem);
  });

  it("at the minimum while 16 partitions stay within a child's /tmp; one item more raises it", () => {
    expect(planPartitionCount(16 * TMP_LIMIT)).toEqual({ partitions: 16, bound: 'minimum', itemsPerPartitionLimit: TMP_LIMIT });
    expect(planPartitionCount(16 * TMP_LIMIT + 1)).toMatchObject({ partitions: 17, bound: 'tmp' });
    expect(partitionCount(100_000_000)).toBe(56);
  });

  it("a batch of several partitions a child shares the child's time budget: the time bound raises it", () => {
    const batch = 4;
    const perPartition = Math.floor((420 * readAndEvaluateRate(2048, 'reference')) / batch);
    expect(planPartitionCount(16 * perPartition + 1, { mapItemsPerBatch: batch })).toMatchObject({ partitions: 17, bound: 'time', itemsPerPartitionLimit: perPartition });
  });

  it('at most 1,000: what the plan step can return in its Step Functions answer', () => {
    expect(planPartitionCount(1000 * TMP_LIMIT)).toMatchObject({ partitions: 1000, bound: 'tmp' });
    expect(planPartitionCount(1000 * TMP_LIMIT + 1)).toMatchObject({ partitions: LIMITS.maxPartitions, bound: 'cap' });
    expect(partitionCount(Number.MAX_SAFE_INTEGER)).toBe(1000);
    expect(partitionCount(10, { partitions: 1000 })).toBe(1000);
  });

  it('refuses what is not a count: items, a minimum outside 1…1,000, a batch below 1', () => {
    expect(() => partitionCount(-1)).toThrow(InputError);
    expect(() => partitionCount(1.5)).toThrow(/whole number/);
    for (const partitions of [0, 1001, 2.5]) expect(() => partitionCount(10, { partitions })).toThrow(/partitions must be a whole number from 1 to 1000/);
    expect(() => partitionCount(10, { mapItemsPerBatch: 0 })).toThrow(/mapItemsPerBatch/);
    expect(() => partitionCount(10, { ephemeralMb: 0 })).toThrow(/ephemeralMb/);
  });

  it('any size: between the minimum and 1,000, and below the cap every partition within both bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5_000_000_000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 8 }), (items, minimum, batch) => {
        const { partitions, bound, itemsPerPartitionLimit } = planPartitionCount(items, { partitions: minimum, mapItemsPerBatch: batch });
        const withinBounds = Math.ceil(items / partitions) <= itemsPerPartitionLimit;
        return partitions >= Math.min(minimum, 1000) && partitions <= 1000 && (bound === 'cap' ? !withinBounds : withinBounds);
      }),
    );
  });
});
