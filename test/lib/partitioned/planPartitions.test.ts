import { readFileSync } from 'node:fs';
import { SnapshotDigest } from '../../../lib/engine/snapshotDigest';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import { describePartition } from '../../../lib/partitioned/Partition';
import { planPartitions } from '../../../lib/partitioned/planPartitions';
import { splitKeyRange } from '../../../lib/partitioned/splitKeyRange';
import { writeTemp } from '../../helpers/files';

describe('planPartitions', () => {
  it('cuts NDJSON into byte ranges at line ends that cover the file exactly, each knowing its first line number', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(i % 13)}"}`);
    const path = writeTemp('plan.ndjson', `${lines.join('\r\n')}\n`);
    const source = new FileInventorySource(path);
    await source.open();
    const partitions = await planPartitions(source, 7);
    expect(partitions).toHaveLength(7);
    const bytes = readFileSync(path);
    let end = 0;
    for (const { spec } of partitions) {
      if (spec.kind !== 'byte-range') throw new Error(spec.kind);
      expect(spec.start).toBe(end);
      // Every range but the last ends just after a newline; its first line is the count of newlines before it, plus one.
      if (spec.end < bytes.length) expect(bytes[spec.end - 1]).toBe(10);
      expect(spec.firstLine).toBe(bytes.subarray(0, spec.start).filter((byte) => byte === 10).length + 1);
      end = spec.end;
    }
    expect(end).toBe(bytes.length);
  });

  it('gives empty ranges when there are more partitions than lines, and one partition for a JSON array', async () => {
    const two = new FileInventorySource(writeTemp('plan-two.ndjson', '{"a":1}\n{"b":2}'));
    await two.open();
    const specs = (await planPartitions(two, 5)).map((p) => p.spec);
    expect(specs.filter((spec) => spec.kind === 'byte-range' && spec.start === spec.end)).toHaveLength(3);
    const array = new FileInventorySource(writeTemp('plan.json', '[{"a":1},{"b":2}]'));
    await array.open();
    expect((await planPartitions(array, 5)).map((p) => p.spec)).toEqual([{ kind: 'whole' }]);
  });

  it('refuses a count it cannot plan, and an empty file as a run does', async () => {
    const source = new FileInventorySource(writeTemp('plan-one.ndjson', '{"a":1}'));
    await source.open();
    await expect(planPartitions(source, 0)).rejects.toThrow('Partitions must be a whole number from 1 to 1000: 0 is not.');
    await expect(planPartitions(source, 1.5)).rejects.toThrow('1.5 is not');
    const empty = new FileInventorySource(writeTemp('plan-empty.ndjson', '  \n'));
    await empty.open();
    await expect(planPartitions(empty, 3)).rejects.toThrow('is empty: it holds no inventory items.');
  });

  it('names a partition by what it reads', () => {
    expect(describePartition({ index: 0, count: 3, spec: { kind: 'itemid-range', from: null, to: 'm' } })).toBe('Partition 1 of 3 (itemIds from the first to before "m")');
    expect(describePartition({ index: 2, count: 3, spec: { kind: 'byte-range', start: 10, end: 20, firstLine: 4 } })).toBe('Partition 3 of 3 (bytes 10–20, from line 4)');
  });
});

describe('splitKeyRange', () => {
  const utf8Order = (keys: string[]) => [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

  it('spreads cuts evenly over numbered ids, in DynamoDB order, strictly after the first and not after the last', () => {
    const cuts = splitKeyRange('item-0000000', 'item-9999999', 4);
    expect(cuts).toHaveLength(3);
    expect(cuts).toEqual(utf8Order(cuts));
    const ids = Array.from({ length: 10_000 }, (_, i) => `item-${String(i * 1000).padStart(7, '0')}`);
    const sizes = [null, ...cuts].map((from, i) => ids.filter((id) => (from === null || id >= from) && (cuts[i] === undefined || id < cuts[i]!)).length);
    for (const size of sizes) expect(size).toBeGreaterThan(1500);
  });

  it('gives valid UTF-8 strings for ids beyond ASCII, and none for one id or equal bounds', () => {
    for (const cut of splitKeyRange('données-a', 'données-é🚀', 8)) expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
    expect(splitKeyRange('same', 'same', 8)).toEqual([]);
    expect(splitKeyRange('a', 'b', 1)).toEqual([]);
  });
});

describe('SnapshotDigest state', () => {
  it('merges the states of slices into the digest of the whole, in any order', () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ itemId: `i${i}`, n: i }));
    const whole = new SnapshotDigest();
    items.forEach((item) => whole.add(item));
    const parts = [items.slice(0, 7), items.slice(7, 7), items.slice(7)].map((slice) => {
      const digest = new SnapshotDigest();
      slice.forEach((item) => digest.add(item));
      return digest.state();
    });
    const merged = new SnapshotDigest();
    for (const state of [...parts].reverse()) merged.merge(state);
    expect(merged.hex()).toBe(whole.hex());
    expect(() => merged.merge({ sum: 'zz', count: 1 })).toThrow('Not a snapshot digest state.');
  });
});
